"""Modern legitimate mail in English, written for this corpus (no real persons' mail)."""
from lib import M, fake_pdf, ics
from skins import card, mjml, outlook, gmail, simple, esc

H = "ham"

# ------------------------------------------------------------------ transactional
M(cls=H, cat="transactional", lang="en", name="coffee-subscription-receipt", prof="postmark",
  frm=("Northbean Coffee", "receipts@northbean.example"), to="alex.morgan@example.com",
  subj="Your Northbean receipt #NB-20931", date="2025-02-11 07:14", tz="-0800",
  text="""Thanks for your order, Alex!

Receipt #NB-20931 - February 11, 2025

  Ethiopia Guji, whole bean, 340 g      $18.50
  Decaf Colombia, ground (pour over)    $16.00
  Shipping (subscription)                $0.00
  Tax                                    $2.86
  ---------------------------------------------
  Total charged to Visa ending 4417    $37.36

Your next delivery is scheduled for March 11. Skip or change it any time:
https://northbean.example/account/subscriptions

Questions? Just reply to this email - a real person reads it.

Northbean Coffee Roasters, 1200 Alder St, Portland OR
""",
  html=card("Northbean Coffee", "#7a4b2a", "Thanks for your order, Alex!", [
      "Receipt #NB-20931 · February 11, 2025",
      '<table width="100%" cellpadding="6" style="border-collapse:collapse;font-size:14px;">'
      '<tr><td>Ethiopia Guji, whole bean, 340 g</td><td align="right">$18.50</td></tr>'
      '<tr><td>Decaf Colombia, ground (pour over)</td><td align="right">$16.00</td></tr>'
      '<tr><td style="color:#6a737d">Shipping (subscription)</td><td align="right">$0.00</td></tr>'
      '<tr><td style="color:#6a737d">Tax</td><td align="right">$2.86</td></tr>'
      '<tr style="border-top:1px solid #ddd;font-weight:bold"><td>Total charged to Visa ending 4417</td><td align="right">$37.36</td></tr></table>',
      "Your next delivery is scheduled for March 11."],
      button=("Manage subscription", "https://northbean.example/account/subscriptions"),
      footer="Northbean Coffee Roasters · 1200 Alder St · Portland, OR<br>Questions? Just reply to this email.",
      pixel="https://pm-track.northbean.example/o/7fa1c2e9"))

M(cls=H, cat="transactional", lang="en", name="utility-bill-ready", prof="sfmc",
  frm=("Riverside Power & Light", "myaccount@rpl-energy.example"), to="jdoe@example.com",
  subj="Your December bill is ready - amount due $84.17", tz="-0500", date="2025-12-04 06:02",
  text="""Hi Jordan,

Your bill for service address 48 Maple Ct is ready to view.

Amount due:   $84.17
Due date:     December 22, 2025
Account:      ****-**-3390

AutoPay is ON. We'll debit your checking account ending 0921 on the due date. No action needed.

This month you used 412 kWh, 9% less than the same month last year.

View your bill: https://www.rpl-energy.example/myaccount/billing

Riverside Power & Light | Customer Care 1-800-555-0142
""",
  html=mjml("Riverside Power & Light", "#005eb8", "Your bill is ready", [
      ("h", "Your December bill is ready"),
      "Hi Jordan, your bill for service address 48 Maple Ct is ready to view.",
      '<table width="100%" style="font-size:15px"><tr><td>Amount due</td><td align="right"><b>$84.17</b></td></tr><tr><td>Due date</td><td align="right">December 22, 2025</td></tr><tr><td>AutoPay</td><td align="right" style="color:#1a7f37">ON</td></tr></table>',
      "This month you used 412 kWh, 9% less than the same month last year.",
      ("btn", "View bill", "https://www.rpl-energy.example/myaccount/billing?utm_source=email&utm_medium=billready"),
  ], footer="Riverside Power &amp; Light · PO Box 1100 · Customer Care 1-800-555-0142<br>You are receiving this service message because you have an online account.",
      pixel="https://click.rpl-energy.example/open.aspx?ffcb10-fe8c1570726c05-fe2e15737563077f7c1d-fe9113737361047c75-ff5d1c7473"))

M(cls=H, cat="transactional", lang="en", name="parcel-out-for-delivery", prof="ses-us",
  frm=("ParcelWay Tracking", "tracking@parcelway.example"), to="priya.n@example.net",
  subj="Out for delivery today: package from Threadline", tz="-0700",
  text="""Your package is out for delivery.

From: Threadline Apparel
Tracking number: PW4420 9931 0077 45
Estimated delivery: Today, 2:00 PM - 6:00 PM

Delivery address: P. N., 221 Oak Ridge Dr, Unit 4

Not going to be home? You can leave instructions for the driver or choose a pickup point:
https://parcelway.example/t/PW44209931007745

--
ParcelWay will never ask you for payment by text message or email to deliver a package.
""",
  html="""<html><body style="margin:0;background:#fff7e6">
<table width="100%" cellpadding="0" cellspacing="0"><tr><td align="center">
<table width="560" cellpadding="0" cellspacing="0" style="font-family:Helvetica,Arial,sans-serif;color:#222">
<tr><td style="background:#ff8a00;padding:18px 24px;color:#fff;font-size:20px;font-weight:bold">ParcelWay</td></tr>
<tr><td style="padding:24px;background:#fff">
<p style="font-size:22px;margin:0 0 8px">Out for delivery</p>
<p style="margin:0 0 20px;color:#555">Estimated today, 2:00 PM &ndash; 6:00 PM</p>
<table cellpadding="4" style="font-size:14px">
<tr><td style="color:#888">From</td><td>Threadline Apparel</td></tr>
<tr><td style="color:#888">Tracking</td><td><a href="https://parcelway.example/t/PW44209931007745">PW4420 9931 0077 45</a></td></tr>
<tr><td style="color:#888">Ship to</td><td>P. N., 221 Oak Ridge Dr, Unit 4</td></tr></table>
<p><a href="https://parcelway.example/t/PW44209931007745#instructions" style="background:#222;color:#fff;padding:10px 18px;border-radius:4px;text-decoration:none;display:inline-block;margin-top:16px">Leave delivery instructions</a></p>
</td></tr>
<tr><td style="padding:16px 24px;font-size:11px;color:#888">ParcelWay will never ask you for payment by text message or email to deliver a package.</td></tr>
</table></td></tr></table>
<img src="https://parcelway.example/e/o.gif?m=0102019a&amp;r=priya" width="1" height="1" alt="">
</body></html>""")

M(cls=H, cat="transactional", lang="en", name="saas-invoice-pdf", prof="postmark",
  frm=("Tallyboard Billing", "billing@tallyboard.example"), to="tom.becker@example.org",
  subj="Invoice INV-2025-00817 from Tallyboard", date="2025-06-01 00:04", tz="+0000",
  text="""Hello Tom,

Your invoice for the Team plan (5 seats, June 2025) is attached.

Invoice number: INV-2025-00817
Amount: EUR 60.00 (incl. VAT EUR 10.41)
Paid with: Mastercard ending 2210 on June 1, 2025

You can also download past invoices from Settings > Billing:
https://app.tallyboard.example/settings/billing

Thanks for using Tallyboard.
""",
  attach=[("INV-2025-00817.pdf", "application/pdf", fake_pdf([
      "Tallyboard Ltd - Invoice INV-2025-00817", "Bill to: Becker Design Studio", "Team plan, 5 seats, June 2025",
      "Net EUR 49.59  VAT 21% EUR 10.41  Total EUR 60.00", "Paid 2025-06-01 Mastercard **2210"]))])

M(cls=H, cat="transactional", lang="en", name="hotel-booking-confirmed", date="2025-07-02 10:11", prof="sendgrid", bulk=False,
  frm=("StayFinder", "no-reply@stayfinder.example"), to="sam@example.org",
  subj="Booking confirmed: Harbour View Inn, 14-17 Aug", tz="+0100",
  text="""Your booking is confirmed

Harbour View Inn
12 Quay Street, Galway
Check-in: Thu 14 Aug 2025 (from 15:00)
Check-out: Sun 17 Aug 2025 (until 11:00)
1 x Double room with sea view, breakfast included
Guests: 2 adults

Confirmation number: 3841 227 906
PIN: 5512

Total price: EUR 486.00 - you'll pay the property at check-in.
Free cancellation until 11 Aug 2025 23:59.

Manage your booking: https://secure.stayfinder.example/myreservations?conf=3841227906
""",
  html=card("StayFinder", "#0b6bcb", "Your booking is confirmed", [
      "<p style=\"margin:0 0 4px\"><b>Harbour View Inn</b></p><p style=\"margin:0 0 16px;color:#555\">12 Quay Street, Galway</p>",
      '<table width="100%" style="background:#f0f6ff;border-radius:6px" cellpadding="10"><tr><td><small>Check-in</small><br><b>Thu 14 Aug</b><br>from 15:00</td><td><small>Check-out</small><br><b>Sun 17 Aug</b><br>until 11:00</td></tr></table>',
      "1 × Double room with sea view, breakfast included · 2 adults",
      "Confirmation number 3841 227 906 · PIN 5512",
      "Total price EUR 486.00 — you'll pay the property at check-in. Free cancellation until 11 Aug 2025 23:59."],
      button=("Manage booking", "https://secure.stayfinder.example/myreservations?conf=3841227906"),
      footer="StayFinder B.V. · This email was sent because you made a booking.",
      pixel="https://u123456.ct.sgsend.example/wf/open?upn=u001.Lm9wZW4tcGl4ZWwtc3RheWZpbmRlcg"))

M(cls=H, cat="transactional", lang="en", name="food-delivery-order", prof="sparkpost",
  frm=("Dishdash", "orders@dishdash.example"), to="hannah@mailbox.example",
  subj="Your Dishdash order from Saigon Corner", tz="+0000", date="2024-11-08 19:41",
  html=card("dishdash", "#e5484d", "Order confirmed — arriving 20:15–20:25", [
      "Saigon Corner is preparing your food.",
      '<table width="100%" cellpadding="5" style="font-size:14px;border-top:1px solid #eee">'
      '<tr><td>1× Pho bo (large)</td><td align="right">£11.90</td></tr><tr><td>2× Summer rolls</td><td align="right">£9.00</td></tr>'
      '<tr><td>Delivery fee</td><td align="right">£1.99</td></tr><tr><td>Service fee</td><td align="right">£0.99</td></tr>'
      '<tr><td><b>Total</b></td><td align="right"><b>£23.88</b></td></tr></table>',
      "Paid with Apple Pay."], button=("Track your order", "https://dishdash.example/orders/7731-ad4"),
      footer="Dishdash Ltd, London · <a href=\"https://dishdash.example/help\">Help centre</a>",
      pixel="https://spgo.dishdash.example/q/Lr7c3b-tJ3bqPzV0aK1sdg~~/AAAAAQA~/RgRpP3"))

M(cls=H, cat="transactional", lang="en", name="train-eticket", prof="inhouse",
  frm=("Northern Rail Tickets", "tickets@northernrail-tix.example"), to="hannah@mailbox.example",
  subj="Your e-ticket: Leeds -> York, Sat 21 Sep", date="2024-09-19 12:30", tz="+0100",
  text="""Booking reference: K7QX2MPL

Outward: Saturday 21 September 2024
  Leeds 09:41  ->  York 10:06   (direct)
  Coach C, seat 44 (window, table)
Ticket type: Off-Peak Day Return, 1 adult with 16-25 Railcard

Return: any off-peak train on the same day

Your e-ticket is attached as a PDF. Show it on your phone or print it. Keep your Railcard with you.
""",
  attach=[("eticket-K7QX2MPL.pdf", "application/pdf", fake_pdf(["E-TICKET K7QX2MPL", "Leeds -> York 21/09/2024 09:41", "Off-Peak Day Return", "Coach C Seat 44"]))])

M(cls=H, cat="transactional", lang="en", name="refund-processed", prof="mailgun",
  frm=("Loomly Home Support", "support@loomlyhome.example"), to="jdoe@example.com",
  subj="Re: [#448120] Damaged lamp shade - refund processed", tz="-0500",
  text="""Hi Jordan,

Sorry again about the lamp shade arriving cracked. I've processed a full refund of $42.00 to your original payment method. Depending on your bank it can take 5-10 business days to show up.

No need to send the damaged one back - please recycle it if you can.

Best,
Marisol
Loomly Home Customer Care

Ticket #448120 | Reply to this email to add a comment.

----- Original message -----
From: Jordan Doe
Sent: Monday
Subject: Damaged lamp shade

> Hello, my order LH-55102 arrived today but the glass shade is cracked
> (photo attached). Could you send a replacement or refund?
> Thanks, Jordan
""")

M(cls=H, cat="transactional", lang="en", name="rideshare-receipt", prof="ses",
  frm=("Zipride", "receipts@zipride.example"), to="priya.n@example.net",
  subj="Your Wednesday evening trip with Zipride", tz="+0530", date="2025-04-09 21:48",
  html="""<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"></head>
<body style="background:#000;margin:0">
<div style="max-width:480px;margin:0 auto;background:#fff;font-family:'Helvetica Neue',Arial,sans-serif">
<div style="background:#000;color:#fff;padding:20px;font-size:26px;font-weight:700">Zipride</div>
<div style="padding:24px">
<div style="font-size:28px;font-weight:700">₹ 312.45</div>
<div style="color:#5e5e5e;margin-bottom:20px">Thanks for riding, Priya</div>
<table width="100%" style="font-size:14px;border-collapse:collapse">
<tr><td style="padding:6px 0">Trip fare</td><td align="right">₹ 268.00</td></tr>
<tr><td style="padding:6px 0">Booking fee</td><td align="right">₹ 30.00</td></tr>
<tr><td style="padding:6px 0">Taxes</td><td align="right">₹ 14.45</td></tr>
</table>
<hr style="border:0;border-top:1px solid #eee">
<p style="font-size:13px">21:09 Indiranagar 100 Ft Rd<br>21:43 Koramangala 5th Block</p>
<p style="font-size:13px;color:#5e5e5e">Paid via UPI · Driver: Ravi · KA 03 AB 1234</p>
<p><a href="https://riders.zipride.example/trips/8f1c" style="color:#276ef1">Review trip or get help</a></p>
</div></div>
<img src="https://e.zipride.example/o/1/0102018ea2" width="1" height="1" alt="">
</body></html>""")

M(cls=H, cat="transactional", lang="en", name="pharmacy-ready-pickup", date="2025-10-15 11:20", prof="inhouse",
  frm=("CareWell Pharmacy", "rx-notify@carewell-rx.example"), to="alex.morgan@example.com",
  subj="Your prescription is ready for pickup", tz="-0400",
  text="""CareWell Pharmacy #2231 - 500 Union Ave

Hello ALEX,

1 prescription is ready for pickup. For your privacy we don't list medication names by email.

Pickup by: 10/18/2025
Pharmacy hours today: 8:00 AM - 9:00 PM

Sign in to see details: https://www.carewell-rx.example/rx

Reply STOP to the text alerts or change email preferences in your account. Do not reply to this email.
""")

# ------------------------------------------------------------------ security
M(cls=H, cat="security", lang="en", name="new-signin-alert", date="2025-03-04 08:13", prof="ses",
  frm=("Fernbank Security", "security-noreply@fernbank.example"), to="alex.morgan@example.com",
  subj="New sign-in to your Fernbank account", tz="+0000",
  text="""We noticed a new sign-in to your Fernbank account.

When:    Tue, 4 Mar 2025 at 08:12 (GMT)
Device:  Firefox on Windows
Where:   Manchester, United Kingdom (approximate)

If this was you, you don't need to do anything.

If you don't recognise this activity, open the Fernbank app and go to Profile > Security > Devices to sign out that device, then call us on the number on the back of your card.

We will never ask you for your full password or a one-time passcode by email.
""",
  html=card("Fernbank", "#0f5132", "New sign-in to your account", [
      "We noticed a new sign-in to your Fernbank account.",
      '<table cellpadding="4" style="font-size:14px"><tr><td style="color:#6a737d">When</td><td>Tue, 4 Mar 2025 at 08:12 (GMT)</td></tr><tr><td style="color:#6a737d">Device</td><td>Firefox on Windows</td></tr><tr><td style="color:#6a737d">Where</td><td>Manchester, United Kingdom (approximate)</td></tr></table>',
      "If this was you, you don't need to do anything.",
      "If you don't recognise this activity, open the Fernbank app and go to Profile › Security › Devices to sign out that device, then call us on the number on the back of your card.",
      "We will never ask you for your full password or a one-time passcode by email."],
      footer="Fernbank plc is authorised by the Prudential Regulation Authority. This is a service message."))

M(cls=H, cat="security", lang="en", name="2fa-code", prof="postmark", stream="outbound",
  frm=("Kitebase", "no-reply@kitebase.example"), to="sam@example.org",
  subj="Your Kitebase verification code: 482 913", tz="-0700",
  text="""482913

Enter this code to finish signing in to Kitebase. It expires in 10 minutes.

If you didn't try to sign in, someone may know your password. Change it at https://kitebase.example/settings/security
""")

M(cls=H, cat="security", lang="en", name="password-reset-request", prof="sendgrid",
  frm=("Patchwork Notes", "accounts@patchworknotes.example"), to="tom.becker@example.org",
  subj="Reset your Patchwork password", tz="+0100",
  text="""Hi Tom,

Someone (hopefully you) asked to reset the password for your Patchwork Notes account.

Reset it here (the link works for 1 hour):
https://patchworknotes.example/reset?token=Zt8QmVx3rP0cKs1wYh6nBfE2

If you didn't ask, ignore this email - your password stays the same.

- The Patchwork team
""",
  html=simple(["Hi Tom,", "Someone (hopefully you) asked to reset the password for your Patchwork Notes account.",
               '<a href="https://patchworknotes.example/reset?token=Zt8QmVx3rP0cKs1wYh6nBfE2" style="background:#6c4cf1;color:#fff;padding:10px 16px;border-radius:8px;text-decoration:none">Choose a new password</a>',
               "The link works for 1 hour. If you didn't ask, ignore this email — your password stays the same.", "— The Patchwork team"],
              extra='<img src="https://u8823.ct.sgsend.example/wf/open?upn=u001.p4tchw0rk" width="1" height="1" alt="" style="height:1px!important;width:1px!important">'))

M(cls=H, cat="security", lang="en", name="github-new-ssh-key", prof="github", gh_reason="security_alert",
  frm=("GitHub", "noreply@github-mail.example"), to="alex.morgan@example.com",
  subj="[GitHub] A new SSH authentication public key was added to your account", tz="-0700",
  text="""The following SSH key was added to your account:

laptop-2025
SHA256:9qZ3k1m0P6TtVQw2kE0rD7cU8fXnLyAaBbCcDdEeFfG

If you believe this key was added in error, you can remove the key and disable access at the following location:

https://github-mail.example/settings/keys

To see this and other security events for your account, visit https://github-mail.example/settings/security-log

If you run into problems, please contact support by visiting https://github-mail.example/contact

Thanks,
The GitHub Team
""")

M(cls=H, cat="security", lang="en", name="new-device-streaming", date="2025-01-12 20:04", prof="brevo",
  frm=("Reelhouse", "info@account.reelhouse.example"), to="hannah@mailbox.example",
  subj="A new device is using your account", tz="+0000",
  html=card("REELHOUSE", "#e50914", "A new device signed in to your account", [
      "Hi Hannah,", "A new device signed in to your Reelhouse account, hannah@mailbox.example.",
      '<table cellpadding="3" style="font-size:14px;color:#333"><tr><td><b>Device</b></td><td>Smart TV (LG webOS)</td></tr><tr><td><b>Location</b></td><td>Bristol, England</td></tr><tr><td><b>Time</b></td><td>Sunday, 12 January 2025, 20:03 GMT</td></tr></table>',
      "If this was you or someone in your household, enjoy watching!", "If not, secure your account by changing your password."],
      button=("Change password", "https://www.reelhouse.example/password"), footer="Questions? Visit the Help Centre.<br>Reelhouse International B.V."))

M(cls=H, cat="security", lang="en", name="recovery-email-changed", date="2025-06-02 18:23", prof="inhouse",
  frm=("Cloudnest Accounts", "account-security@cloudnest.example"), to="priya.n@example.net",
  subj="Your recovery email was changed", tz="+0530",
  text="""Hi Priya,

The recovery email for your Cloudnest account was changed on 2 June 2025 at 18:22 IST.

New recovery email: p***a@example.com

If you made this change, no further action is needed.
If you didn't, review your account now: https://myaccount.cloudnest.example/security-checkup

You received this email to let you know about important changes to your Cloudnest account and services.
(c) 2025 Cloudnest Inc.
""")

# ------------------------------------------------------------------ personal
M(cls=H, cat="personal", lang="en", name="mum-sunday-lunch", prof="personal",
  frm=("Linda Morgan", "linda.morgan@example.net"), to="alex.morgan@example.com",
  subj="sunday", tz="+0000", ua=("X-Mailer", "iPhone Mail (21F90)"),
  text="""Hi love

Are you and Sam still coming sunday? Dad wants to do the lamb so let me know by friday so i can order it from the butcher. Your aunt Jean might pop in too.

Bring the big dish back if you remember!!

xx Mum

Sent from my iPhone
""")

M(cls=H, cat="personal", lang="en", name="friend-reply-camping", date="2025-08-20 08:02", prof="personal",
  frm=("Dev Patel", "dev.patel@example.com"), to="priya.n@example.net", tz="-0400",
  subj="Re: camping labor day?", reply="<CAJ4k2u9mZp0Q1@mail.example.net>",
  text="""haha yes count me in. I can bring the big tent and the stove, but someone else needs to sort out a cooler, ours has a crack.

Friday after work works for me, I can pick up Ana on the way.

On Tue, Aug 19, 2025 at 9:14 PM Priya N <priya.n@example.net> wrote:
> Ok so proposal: Labor day weekend at Silver Lake, the walk-in sites.
> Leave fri evening, back mon. Who's in??
>
> p
""",
  html=gmail(["haha yes count me in. I can bring the big tent and the stove, but someone else needs to sort out a cooler, ours has a crack.", "",
              "Friday after work works for me, I can pick up Ana on the way."],
             ("On Tue, Aug 19, 2025 at 9:14 PM Priya N &lt;<a href=\"mailto:priya.n@example.net\">priya.n@example.net</a>&gt; wrote:",
              "<div dir=\"ltr\">Ok so proposal: Labor day weekend at Silver Lake, the walk-in sites.<div>Leave fri evening, back mon. Who's in??</div><div><br></div><div>p</div></div>")))

M(cls=H, cat="personal", lang="en", name="neighbour-parcel", prof="personal",
  frm=("Greg", "greg.h@mailbox.example"), to="hannah@mailbox.example", tz="+0000",
  subj="got your parcel", ua=("User-Agent", "K-9 Mail for Android"),
  text="""Hiya, the courier left a box for you with us (no 14) this morning. It's quite heavy so I'll leave it in our porch, just knock whenever. We're in all evening.

Greg
""")

M(cls=H, cat="personal", lang="en", name="old-friend-catching-up", prof="personal",
  frm=("Rachel Kim", "rkim@example.org"), to="jdoe@example.com", tz="-0800",
  subj="long time!", ua=("User-Agent", "Mozilla Thunderbird 128.3.1"),
  text="""Jordan!

I was going through old photos and found the ones from the road trip to Moab, 2014 I think? You still have that terrible hat. Anyway it made me realise we haven't talked in forever.

Life update: moved to Sacramento last year for work, still doing the hospital IT thing, got a dog (Pickle, a very dumb and very nice beagle). How are you and Ellie? Still in Denver?

If you're ever out west let me know, we have a spare room now.

Rachel
""")

M(cls=H, cat="personal", lang="en", name="photos-attached-birthday", prof="personal",
  frm=("Tom Becker", "tom.becker@example.org"), to="sam@example.org", tz="+0100",
  subj="photos from Saturday", ua=("X-Mailer", "Apple Mail (2.3774.600.62)"),
  text="""Sam,

Here are a few from the party, the rest are in the shared album. The one of your dad with the cake is my favourite :)

T.
""",
  attach=[("IMG_4471.png", "image/png", bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5b1c6e50000000049454e44ae426082")),
          ("IMG_4480.png", "image/png", bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da6360f8cf00000301010044a6c5b20000000049454e44ae426082"))])

M(cls=H, cat="personal", lang="en", name="typo-quick-question", prof="personal",
  frm=("", "mike.o@example.com"), to="alex.morgan@example.com", tz="-0500",
  subj="quick q", text="""hey do you still have teh number for that plumber you used? ours is leaking agian under the sink and the guy we had before never calls back

thx
mike
""")

M(cls=H, cat="personal", lang="en", name="wedding-rsvp-reply", date="2025-03-04 07:45", prof="personal",
  frm=("Ellie Doe", "ellie.doe@example.com"), to_hdr="Nora Quinn <nora.q@example.net>", to="nora.q@example.net", tz="-0700",
  subj="Re: Save the date - Nora & Ben", reply="<5E1B7A2C-0D9F-4A51-9C1E-7B2F3E8A1D44@example.net>",
  text="""Nora!! Congratulations, we are so happy for you both.

We'll definitely be there. Jordan is asking if it's ok to bring the kids or if it's adults only - no pressure either way, we can get a sitter.

Can't wait.
Ellie

> On 3 Mar 2025, at 19:02, Nora Quinn <nora.q@example.net> wrote:
>
> Save the date! Ben and I are getting married on 20 September 2025 at
> Hollow Creek Farm. Formal invitation to follow.
>
> Love, N & B
""")

M(cls=H, cat="personal", lang="en", name="landlord-boiler", date="2024-05-08 18:40", prof="personal",
  frm=("David Ellis", "d.ellis@example.net"), to="hannah@mailbox.example", tz="+0000",
  subj="Boiler service next Tuesday", ua=("User-Agent", "Microsoft-MacOutlook/16.89.24091630"),
  html=outlook(["Hi Hannah,", "", "Just to let you know the gas engineer is booked to do the annual boiler service next Tuesday (the 14th) between 8 and 12. He has a key but he'll knock first.",
                "", "If that doesn't work let me know and I'll move it.", "", "Thanks,", "David"], lang="EN-GB"),
  text="""Hi Hannah,

Just to let you know the gas engineer is booked to do the annual boiler service next Tuesday (the 14th) between 8 and 12. He has a key but he'll knock first.

If that doesn't work let me know and I'll move it.

Thanks,
David
""")

# ------------------------------------------------------------------ work
M(cls=H, cat="work", lang="en", name="meeting-notes-sprint", prof="ms365", date="2025-05-14 16:20", tz="+0200",
  frm=("Katrin Vogel", "k.vogel@fabrikam-labs.example"), to="tom.becker@example.org",
  cc="Platform Team <platform@fabrikam-labs.example>",
  subj="Notes: sprint 42 planning",
  text="""Hi all,

Notes from today's planning, please correct me if I got something wrong.

Attendees: Katrin, Tom, Yusuf, Ines, Mark (first half)

Decisions
- We ship the export API behind a feature flag in 42, GA in 43.
- Postgres 16 upgrade moves to sprint 44 (waiting on the backup tooling).
- On-call rotation: Yusuf takes next week, swap with Ines in June.

Action items
- Tom: write the migration runbook for export tables (Fri)
- Ines: ask Security for the pen test slot
- Katrin: update roadmap slide for Thursday's all-hands

Next planning: Wed 28 May, 14:00.

Katrin
""",
  html=outlook(["Hi all,", "", "Notes from today's planning, please correct me if I got something wrong.", "",
                "<b>Attendees:</b> Katrin, Tom, Yusuf, Ines, Mark (first half)", "", "<b>Decisions</b>",
                "- We ship the export API behind a feature flag in 42, GA in 43.",
                "- Postgres 16 upgrade moves to sprint 44 (waiting on the backup tooling).",
                "- On-call rotation: Yusuf takes next week, swap with Ines in June.", "", "<b>Action items</b>",
                "- Tom: write the migration runbook for export tables (Fri)", "- Ines: ask Security for the pen test slot",
                "- Katrin: update roadmap slide for Thursday&#8217;s all-hands", "", "Next planning: Wed 28 May, 14:00.", "", "Katrin"], lang="EN-GB"))

_cal1 = ics("8c1f0a52-33b0-4e8e-9a0e-5a5e2d8b7c11@calendar.cloudnest.example", "Design review: onboarding flow v2",
            "20250923T150000Z", "20250923T160000Z", ("Maya Chen", "maya.chen@lumen-apps.example"),
            [("Alex Morgan", "alex.morgan@example.com"), ("Maya Chen", "maya.chen@lumen-apps.example"), ("Jon Ruiz", "jon.ruiz@lumen-apps.example")],
            location="https://meet.cloudnest.example/xkq-pwrt-bne", description="Walkthrough of the new onboarding screens. Figma link in the doc.")
M(cls=H, cat="work", lang="en", name="calendar-invite-design-review", prof="inhouse", date="2025-09-18 10:02", tz="-0700",
  frm=("Maya Chen", "maya.chen@lumen-apps.example"), to="alex.morgan@example.com",
  subj="Invitation: Design review: onboarding flow v2 @ Tue Sep 23, 2025 8am - 9am (PDT) (alex.morgan@example.com)",
  text="""Design review: onboarding flow v2
Tuesday Sep 23, 2025 ⋅ 8am – 9am (Pacific Time - Los Angeles)

Join with Cloudnest Meet
https://meet.cloudnest.example/xkq-pwrt-bne

Guests
Maya Chen - organizer
Alex Morgan
Jon Ruiz

Walkthrough of the new onboarding screens. Figma link in the doc.

Reply for alex.morgan@example.com: Yes / No / Maybe
Invitation from Cloudnest Calendar
""",
  html="""<div style="font-family:Roboto,Arial,sans-serif"><table cellpadding="0" cellspacing="0" border="0" width="100%"><tr><td style="padding:16px 24px">
<h2 style="font-weight:400;font-size:22px;margin:0 0 12px">Design review: onboarding flow v2</h2>
<div style="color:#3c4043;font-size:14px">Tuesday Sep 23, 2025 ⋅ 8am – 9am (Pacific Time - Los Angeles)</div>
<p><a href="https://meet.cloudnest.example/xkq-pwrt-bne" style="display:inline-block;background:#1a73e8;color:#fff;border-radius:4px;padding:8px 16px;text-decoration:none">Join with Cloudnest Meet</a></p>
<div style="font-size:14px"><b>Guests</b><br>Maya Chen – organizer<br>Alex Morgan<br>Jon Ruiz</div>
<p style="font-size:14px">Walkthrough of the new onboarding screens. Figma link in the doc.</p>
<p style="font-size:14px">Reply for alex.morgan@example.com <a href="https://calendar.cloudnest.example/event?action=RESPOND&amp;rst=1">Yes</a> · <a href="https://calendar.cloudnest.example/event?action=RESPOND&amp;rst=2">No</a> · <a href="https://calendar.cloudnest.example/event?action=RESPOND&amp;rst=3">Maybe</a></p>
<p style="font-size:11px;color:#70757a">Invitation from Cloudnest Calendar. You are receiving this email because you are an attendee on the event.</p>
</td></tr></table></div>""", cal=_cal1)

M(cls=H, cat="work", lang="en", name="github-pr-review-requested", prof="github", gh_reason="review_requested", gh_repo="lumen-apps/api", gh_sender="jruiz",
  frm=("Jon Ruiz", "notifications@github-mail.example"), to="alex.morgan@example.com", tz="+0000",
  subj="[lumen-apps/api] Add rate limiting to /v2/export (PR #1287)",
  reply_to="lumen-apps/api <reply+AAJ3KQZ5N6YV7XW2ZP@reply.github-mail.example>",
  text="""@jruiz requested your review on: lumen-apps/api#1287 Add rate limiting to /v2/export.

This adds a token bucket per API key in front of the export endpoint.

- default 10 requests/minute, configurable per plan
- returns 429 with Retry-After
- metrics: export_ratelimited_total

Closes #1251

You can view, comment on, or merge this pull request online at:

  https://github-mail.example/lumen-apps/api/pull/1287

Commit Summary

  * 3f9a1c2 add token bucket middleware
  * 81d0e44 wire config and tests

File Changes (4 files)

  * M src/export/handler.rs (12)
  * A src/middleware/ratelimit.rs (148)
  * M config/default.toml (4)
  * M tests/export.rs (57)

Patch Links:

  * https://github-mail.example/lumen-apps/api/pull/1287.patch
  * https://github-mail.example/lumen-apps/api/pull/1287.diff

--
Reply to this email directly, view it on GitHub:
https://github-mail.example/lumen-apps/api/pull/1287
You are receiving this because your review was requested.
""",
  html="""<p></p>
<p><a class="user-mention notranslate" href="https://github-mail.example/jruiz">@jruiz</a> requested your review on: <a href="https://github-mail.example/lumen-apps/api/pull/1287">#1287</a> Add rate limiting to /v2/export.</p>
<p>This adds a token bucket per API key in front of the export endpoint.</p>
<ul><li>default 10 requests/minute, configurable per plan</li><li>returns 429 with <code>Retry-After</code></li><li>metrics: <code>export_ratelimited_total</code></li></ul>
<p>Closes <a href="https://github-mail.example/lumen-apps/api/issues/1251">#1251</a></p>
<hr>
<h4>You can view, comment on, or merge this pull request online at:</h4>
<p>&nbsp;&nbsp;<a href="https://github-mail.example/lumen-apps/api/pull/1287">https://github-mail.example/lumen-apps/api/pull/1287</a></p>
<h4>Commit Summary</h4><ul><li>3f9a1c2 add token bucket middleware</li><li>81d0e44 wire config and tests</li></ul>
<p style="font-size:small;-webkit-text-size-adjust:none;color:#666;">&mdash;<br>Reply to this email directly, <a href="https://github-mail.example/lumen-apps/api/pull/1287">view it on GitHub</a>, or <a href="https://github-mail.example/notifications/unsubscribe-auth/AAJ3KQ">unsubscribe</a>.<br>You are receiving this because your review was requested.<img src="https://github-mail.example/notifications/beacon/AAJ3KQZ5N6YV7XW2ZP.gif" height="1" width="1" alt="" /></p>
""", list_id="lumen-apps/api <api.lumen-apps.github-mail.example>",
  unsub="<mailto:unsub+AAJ3KQZ5N6YV7XW2ZP@reply.github-mail.example>, <https://github-mail.example/notifications/unsubscribe/AAJ3KQ>")

M(cls=H, cat="work", lang="en", name="gitlab-pipeline-failed", prof="gitlab", gl_project="billing-service", gl_reason="own_activity",
  frm=("GitLab", "gitlab@gitlab-mail.example"), to="tom.becker@example.org", tz="+0000",
  subj="billing-service | Failed pipeline for fix/vat-rounding | 9c81e2d4",
  text="""Your pipeline has failed.

Project: fabrikam / billing-service ( https://gitlab-mail.example/fabrikam/billing-service )
Branch: fix/vat-rounding ( https://gitlab-mail.example/fabrikam/billing-service/-/commits/fix/vat-rounding )

Commit: 9c81e2d4 ( https://gitlab-mail.example/fabrikam/billing-service/-/commit/9c81e2d4 )
Commit Message: Round VAT per line, not per invoice
Commit Author: Tom Becker

Pipeline #883120 ( https://gitlab-mail.example/fabrikam/billing-service/-/pipelines/883120 ) triggered by Tom Becker
had 1 failed job.

Job #4410938 ( https://gitlab-mail.example/fabrikam/billing-service/-/jobs/4410938/raw )

Stage: test
Name: unit-tests
Trace:   ---- invoice::tests::rounding_mixed_rates stdout ----
thread 'invoice::tests::rounding_mixed_rates' panicked at src/invoice.rs:212:9:
assertion `left == right` failed
  left: 12107
 right: 12106

failures:
    invoice::tests::rounding_mixed_rates

test result: FAILED. 211 passed; 1 failed; 0 ignored

--
You're receiving this email because of your account on gitlab-mail.example.
""")

M(cls=H, cat="work", lang="en", name="jira-assigned", prof="atlassian", tz="+1000", date="2025-08-05 09:31",
  frm=("Liam O'Brien (Jira)", "jira@wattle-soft.atl-mail.example"), to="jdoe@example.com",
  subj="[JIRA] Liam O'Brien assigned OPS-2291 to you",
  html="""<html><body style="background:#f4f5f7;margin:0"><table width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7"><tr><td style="padding:20px">
<table width="100%" cellpadding="0" cellspacing="0" style="background:#fff;border:1px solid #dfe1e6;border-radius:3px;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Oxygen,Ubuntu,sans-serif;font-size:14px;color:#172b4d">
<tr><td style="padding:16px 20px"><a href="https://wattle-soft.atl-mail.example/secure/ViewProfile.jspa?name=lobrien" style="color:#0052cc;text-decoration:none">Liam O'Brien</a> <b>assigned</b> an issue to <b>you</b></td></tr>
<tr><td style="padding:0 20px 16px"><div style="font-size:12px;color:#5e6c84">Operations / <a href="https://wattle-soft.atl-mail.example/browse/OPS-2291" style="color:#0052cc">OPS-2291</a></div>
<div style="font-size:20px;margin:6px 0"><a href="https://wattle-soft.atl-mail.example/browse/OPS-2291" style="color:#172b4d;text-decoration:none">Rotate TLS certificates on the Sydney load balancers</a></div>
<table cellpadding="3" style="font-size:14px"><tr><td style="color:#5e6c84">Change By:</td><td>Liam O'Brien</td></tr><tr><td style="color:#5e6c84">Assignee:</td><td>Jordan Doe</td></tr><tr><td style="color:#5e6c84">Priority:</td><td>High</td></tr><tr><td style="color:#5e6c84">Due:</td><td>12/Aug/25</td></tr></table>
<p>Current certs expire 19 Aug. Use the new internal CA bundle; checklist in the runbook.</p>
<a href="https://wattle-soft.atl-mail.example/browse/OPS-2291#add-comment" style="display:inline-block;padding:6px 12px;background:#0052cc;color:#fff;border-radius:3px;text-decoration:none">Add Comment</a></td></tr>
<tr><td style="padding:10px 20px;border-top:1px solid #dfe1e6;font-size:12px;color:#5e6c84">This message was sent by Atlassian Jira (v1001.0.0-SNAPSHOT#100282-sha1:8a1f0c3)</td></tr>
</table></td></tr></table></body></html>""")

M(cls=H, cat="work", lang="en", name="shared-doc-comment", prof="inhouse", tz="-0500",
  frm=("Priya N (via Cloudnest Docs)", "comments-noreply@docs.cloudnest.example"), to="jdoe@example.com",
  reply_to="Priya N <priya.n@example.net>",
  subj="Q3 grant report - draft 2",
  text="""Priya N mentioned you in a comment in the following document

Q3 grant report - draft 2

  "Budget table (section 4)"

  Priya N: @jdoe@example.com can you double-check the travel line? I think the conference fees got counted twice.

Reply       Open

Cloudnest LLC, 1600 Amphitheatre Way
You have received this email because you are mentioned in this thread. Change what Cloudnest Docs sends you.
""",
  html="""<html><body><div style="max-width:520px;margin:0 auto;font-family:'Google Sans',Roboto,Arial,sans-serif;border:1px solid #dadce0;border-radius:8px;padding:24px">
<div style="font-size:14px;color:#5f6368"><img src="https://ssl.cloudnest.example/docs/icon_32.png" width="20" height="20" style="vertical-align:middle"> Priya N mentioned you in a comment in the following document</div>
<div style="font-size:16px;margin:16px 0"><a href="https://docs.cloudnest.example/document/d/1Qx3-gr4nt/edit?disco=AAAB" style="color:#1a73e8;text-decoration:none">Q3 grant report - draft 2</a></div>
<div style="border-left:4px solid #fbbc04;padding-left:12px;color:#5f6368;font-size:13px">Budget table (section 4)</div>
<div style="margin:12px 0;font-size:14px"><b>Priya N</b><br><a href="mailto:jdoe@example.com">@jdoe@example.com</a> can you double-check the travel line? I think the conference fees got counted twice.</div>
<a href="https://docs.cloudnest.example/document/d/1Qx3-gr4nt/edit?disco=AAAB" style="background:#1a73e8;color:#fff;padding:8px 16px;border-radius:4px;text-decoration:none;font-size:14px">Reply</a>
<p style="font-size:11px;color:#5f6368;margin-top:24px">Cloudnest LLC · You have received this email because you are mentioned in this thread.</p>
</div></body></html>""")

M(cls=H, cat="work", lang="en", name="colleague-thread-reply", prof="ms365", tz="-0400", date="2025-10-02 11:47",
  frm=("Sarah Whitfield", "sarah.whitfield@brightpath-health.example"), to="alex.morgan@example.com",
  cc="Ben Osei <ben.osei@brightpath-health.example>",
  subj="RE: vendor contract renewal - questions",
  reply="<SN7PR04MB8812A1C4D55E90B2C1F3A9E1D84A2@SN7PR04MB8812.namprd04.prod.cloudmail.example>",
  text="""Thanks Alex - that helps.

On point 2, legal says we can go with 24 months if there's an exit clause after 12. Can you ask them to add that and send a redline?

Point 3 is fine as is.

Sarah

Sarah Whitfield | Procurement Lead
BrightPath Health | 617-555-0188

From: Alex Morgan <alex.morgan@example.com>
Sent: Wednesday, October 1, 2025 4:12 PM
To: Sarah Whitfield <sarah.whitfield@brightpath-health.example>
Cc: Ben Osei <ben.osei@brightpath-health.example>
Subject: Re: vendor contract renewal - questions

Hi Sarah,

Answers inline from the vendor call:
1. Price is fixed for the term, +3% cap after.
2. They prefer 24 months, would accept 12.
3. SLA stays 99.9% with service credits.

Alex
""")

M(cls=H, cat="work", lang="en", name="ci-build-passed", prof="mailgun", tz="+0000",
  frm=("Buildkite-ish CI", "builds@ci.runwell.example"), to="sam@example.org",
  subj="✅ main #5121 passed (deploy-staging) - runwell/web",
  text="""Build #5121 on main passed in 6m 42s

Commit: 'Bump image processing workers to 4' by Sam (a41c07e)
Pipeline: runwell/web
Steps: lint ✓ test ✓ build ✓ deploy-staging ✓

https://ci.runwell.example/runwell/web/builds/5121

You're getting this because you authored the commit. Notification settings: https://ci.runwell.example/user/notifications
""")

M(cls=H, cat="work", lang="en", name="hr-benefits-enrollment", prof="ms365", tz="-0600", date="2025-11-03 08:00",
  frm=("People Team", "people@prairie-mfg.example"), to="jdoe@example.com",
  subj="Open enrollment closes Friday, Nov 14",
  html=outlook(["Hello everyone,", "", "A reminder that open enrollment for 2026 benefits closes <b>Friday, November 14 at 5pm CT</b>.",
                "", "What's new this year:", "&#8226; Two medical plan options (PPO and HDHP with HSA)", "&#8226; Dental now covers adult orthodontics",
                "&#8226; Vision: frames allowance increased to $200", "", "If you don&#8217;t make changes, your current elections roll over, except the FSA which needs a new election every year.",
                "", "Drop-in help sessions: Tuesday and Thursday 12&#8211;1pm, Conference Room B or on the usual video link.", "", "Thanks,", "People Team"]),
  text="""Hello everyone,

A reminder that open enrollment for 2026 benefits closes Friday, November 14 at 5pm CT.

What's new this year:
* Two medical plan options (PPO and HDHP with HSA)
* Dental now covers adult orthodontics
* Vision: frames allowance increased to $200

If you don't make changes, your current elections roll over, except the FSA which needs a new election every year.

Drop-in help sessions: Tuesday and Thursday 12-1pm, Conference Room B or on the usual video link.

Thanks,
People Team
""")

M(cls=H, cat="work", lang="en", name="sentry-alert", prof="sendgrid", tz="+0000",
  frm=("Sentrix", "noreply@md.sentrix.example"), to="tom.becker@example.org",
  subj="[Sentrix] billing-api: KeyError: 'currency'",
  text="""New issue in billing-api (production)

KeyError: 'currency'
  app/invoices/serializers.py in to_representation at line 88

Events: 14 in the last hour | Users affected: 9
First seen: 2 minutes ago
Release: billing-api@2025.06.2

https://fabrikam.sentrix.example/issues/4471902/?alert_rule_id=118&alert_type=email&referrer=alert_email

You are receiving this email because you are subscribed to alerts for project billing-api.
""", hdrs=[("X-Sentrix-Project", "billing-api"), ("X-Sentrix-Reply-To", "4471902")])

M(cls=H, cat="work", lang="en", name="customer-email-plain", prof="personal", tz="-0500",
  frm=("Gary Lindqvist", "gary@lindqvist-hvac.example"), to="sam@example.org",
  subj="Estimate for the shop units", ua=("User-Agent", "Roundcube Webmail/1.6.6"),
  text="""Sam,

Went over the drawings. For the three rooftop units we're looking at roughly 18-21k installed depending on whether the curbs need replacing, I won't know that until we're up there. That includes crane time and disposal of the old ones.

I can get a crew out the week of the 10th if you want to go ahead. Written estimate attached.

Gary Lindqvist
Lindqvist Heating & Air
""", attach=[("Estimate-2291.pdf", "application/pdf", fake_pdf(["Lindqvist Heating & Air - Estimate 2291", "3x rooftop unit replacement", "Range: $18,000 - $21,000"]))])

# ------------------------------------------------------------------ newsletters
M(cls=H, cat="newsletter", lang="en", name="rust-weekly-style", prof="mailchimp", bulk=True, tz="+0000",
  frm=("The Ferris Digest", "editor@ferrisdigest.example"), to="alex.morgan@example.com",
  subj="The Ferris Digest #612: async closures, compiler speedups, and a new TUI crate",
  text="""The Ferris Digest #612

Hello and welcome to another issue!

UPDATES FROM THE PROJECT
* Async closures are stable in the next release - what changes for your code
* The compiler got 6% faster on the benchmark suite this cycle

NEWSLETTERS & BLOG POSTS
* Writing a tiny IMAP client in 300 lines
* What I learned porting a game engine from C++
* Zero-copy parsing with lifetimes, explained with pictures

CRATE OF THE WEEK
ratatoolkit - widgets for terminal UIs, now with mouse support.

CALL FOR PARTICIPATION
Three issues tagged "good first issue" in the docs team, see the site.

That's all for this week. Thanks to our sponsors, and see you next Wednesday!

You are receiving this because you subscribed at ferrisdigest.example.
Unsubscribe: https://ferrisdigest.us21.list-manage.example/unsubscribe?u=3d8a&id=91b0
""",
  html=mjml("The Ferris Digest", "#b7410e", "The Ferris Digest #612", [
      ("h", "Issue #612"), "Hello and welcome to another issue!",
      "<b>Updates from the project</b><ul><li><a href=\"https://ferrisdigest.us21.list-manage.example/track/click?u=3d8a&id=a1\">Async closures are stable in the next release</a> – what changes for your code</li><li><a href=\"https://ferrisdigest.us21.list-manage.example/track/click?u=3d8a&id=a2\">The compiler got 6% faster</a> on the benchmark suite this cycle</li></ul>",
      "<b>Blog posts</b><ul><li>Writing a tiny IMAP client in 300 lines</li><li>What I learned porting a game engine from C++</li><li>Zero-copy parsing with lifetimes, explained with pictures</li></ul>",
      "<b>Crate of the week:</b> <code>ratatoolkit</code> – widgets for terminal UIs, now with mouse support.",
      ("btn", "Read on the web", "https://ferrisdigest.example/612"),
  ], footer="You are receiving this because you subscribed at ferrisdigest.example.<br><a href=\"https://ferrisdigest.us21.list-manage.example/unsubscribe?u=3d8a&id=91b0\">Unsubscribe</a> · <a href=\"https://ferrisdigest.us21.list-manage.example/profile?u=3d8a\">Update preferences</a><br>The Ferris Digest · 4 Tinker Row · Leeds LS1 · UK",
      pixel="https://ferrisdigest.us21.list-manage.example/track/open.php?u=3d8a&id=91b0&e=7c1a"))

M(cls=H, cat="newsletter", lang="en", name="local-news-morning", prof="sfmc", bulk=True, tz="-0500", date="2025-04-22 05:30",
  frm=("The Lakeshore Ledger", "newsletters@lakeshoreledger.example"), to="jdoe@example.com",
  subj="Morning Briefing: school board vote, bridge detour, and the weekend farmers market",
  html="""<html><head><meta name="viewport" content="width=device-width"><style>td{font-family:Georgia,'Times New Roman',serif}</style></head><body style="margin:0;background:#ffffff">
<center><table width="640" cellpadding="0" cellspacing="0" style="max-width:640px">
<tr><td style="border-bottom:3px double #111;padding:14px 0;text-align:center;font-size:34px;font-weight:bold;letter-spacing:1px">The Lakeshore Ledger</td></tr>
<tr><td style="padding:6px 0;font-size:12px;text-align:center;font-family:Arial,sans-serif;color:#555">TUESDAY, APRIL 22, 2025 · MORNING BRIEFING</td></tr>
<tr><td style="padding:18px 0"><img src="https://img.lakeshoreledger.example/2025/04/bridge-detour-640.jpg" width="640" alt="Crews on the Harbor St. bridge" style="display:block;width:100%;height:auto"></td></tr>
<tr><td style="font-size:22px;font-weight:bold;padding-bottom:6px"><a href="https://lakeshoreledger.example/news/harbor-bridge-detour?utm_source=newsletter&amp;utm_medium=email&amp;utm_campaign=morning" style="color:#111;text-decoration:none">Harbor Street bridge closes for six weeks starting Monday</a></td></tr>
<tr><td style="font-size:16px;line-height:1.5;color:#333;padding-bottom:18px">Drivers will be routed via Elm and 5th. Bus routes 4 and 11 also change; the city says the work is on schedule.</td></tr>
<tr><td style="font-size:18px;font-weight:bold;padding-bottom:4px">School board delays vote on later start times</td></tr>
<tr><td style="font-size:16px;line-height:1.5;color:#333;padding-bottom:18px">After three hours of public comment, members asked staff for a transportation cost estimate before deciding.</td></tr>
<tr><td style="font-size:18px;font-weight:bold;padding-bottom:4px">Farmers market opens for the season Saturday</td></tr>
<tr><td style="font-size:16px;line-height:1.5;color:#333;padding-bottom:18px">42 vendors, 8 a.m. to noon at Commons Park. New this year: a SNAP match up to $20.</td></tr>
<tr><td style="border-top:1px solid #ddd;padding:14px 0;font-family:Arial,sans-serif;font-size:11px;color:#777">You're receiving the Morning Briefing as a Ledger subscriber. <a href="https://lakeshoreledger.example/newsletters/manage">Manage newsletters</a> · <a href="https://cl.s11.exacttarget.example/unsub_center.aspx?qs=7a1b">Unsubscribe</a><br>The Lakeshore Ledger, 300 Water St, Port Emery, MI</td></tr>
</table></center>
<img src="https://cl.s11.exacttarget.example/open.aspx?ffcb10-fec21d7776600d7a-fe1e1677756d0c7b7d1d-fe8d13747566047d77-ff6312727767&amp;d=70217" width="1" height="1">
</body></html>""")

M(cls=H, cat="newsletter", lang="en", name="ngo-monthly-update", prof="brevo", bulk=True, tz="+0000",
  frm=("Clearwater Trust", "hello@clearwatertrust.example"), to="hannah@mailbox.example",
  subj="Your donation at work: 3 new wells in Kisumu county 💧",
  text="""Dear Hannah,

Thanks to supporters like you, three new boreholes went into service in Kisumu county this spring. Around 2,400 people - most of them children walking to school - now have clean water within 500 metres of home.

What your monthly gift did this quarter:
- Trained 18 local water committees on pump maintenance
- Tested 61 water points (58 passed, 3 were repaired within a week)
- Funded hygiene lessons in 9 primary schools

Read Achieng's story: https://clearwatertrust.example/stories/achieng

With gratitude,
Mercy Otieno, Programme Director

Clearwater Trust is a registered charity (no. 1180021).
You're receiving this because you're a regular donor. Update your preferences or unsubscribe: https://r.brevosend.example/mk/un/clearwater/5a8b
""",
  html=card("Clearwater Trust", "#0077b6", "Your donation at work", [
      "Dear Hannah,",
      "Thanks to supporters like you, three new boreholes went into service in Kisumu county this spring. Around 2,400 people — most of them children walking to school — now have clean water within 500 metres of home.",
      '<img src="https://img.clearwatertrust.example/2025/kisumu-borehole.jpg" width="520" alt="Children at a new water point" style="width:100%;max-width:520px;border-radius:6px">',
      "<b>What your monthly gift did this quarter:</b><br>• Trained 18 local water committees on pump maintenance<br>• Tested 61 water points (58 passed, 3 were repaired within a week)<br>• Funded hygiene lessons in 9 primary schools",
      "With gratitude,<br>Mercy Otieno, Programme Director"], button=("Read Achieng's story", "https://clearwatertrust.example/stories/achieng"),
      footer="Clearwater Trust is a registered charity (no. 1180021).<br>You're receiving this because you're a regular donor. <a href=\"https://r.brevosend.example/mk/un/clearwater/5a8b\">Unsubscribe</a>",
      pixel="https://r.brevosend.example/tr/op/5a8b-cw"))

M(cls=H, cat="newsletter", lang="en", name="cooking-blog-weekly", prof="mailchimp", bulk=True, tz="-0800",
  frm=("Half-Baked Kitchen", "anna@halfbakedkitchen.example"), to="priya.n@example.net",
  subj="One-pan lemon orzo (and why I stopped buying stock)",
  html="""<!DOCTYPE html><html><head><meta charset="UTF-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>One-pan lemon orzo</title>
<style type="text/css">body{margin:0;padding:0}img{border:0;height:auto;outline:none}#bodyTable{background:#fbf7f2}.mcnTextContent{font-family:'Helvetica Neue',Helvetica,Arial,sans-serif;font-size:16px;line-height:150%;color:#3a3a3a}@media only screen and (max-width:480px){.mcnImage{width:100%!important}}</style></head>
<body><center><table align="center" border="0" cellpadding="0" cellspacing="0" height="100%" width="100%" id="bodyTable"><tr><td align="center" valign="top" id="bodyCell" style="padding:20px">
<table border="0" cellpadding="0" cellspacing="0" width="600" class="templateContainer" style="background:#fff">
<tr><td valign="top" style="padding:18px;text-align:center;font-family:'Playfair Display',Georgia,serif;font-size:30px;color:#c0392b">Half-Baked Kitchen</td></tr>
<tr><td><img align="center" alt="Lemon orzo in a cast iron pan" src="https://mcusercontent.example/5f1d/images/orzo-hero.jpg" width="600" class="mcnImage" style="max-width:1200px;padding-bottom:0;display:inline !important;vertical-align:bottom"></td></tr>
<tr><td class="mcnTextContent" style="padding:18px">
<p>Hi friends,</p>
<p>This week's recipe is the one I make when I get home at 7 and can't face washing more than one pan: <strong>lemon orzo with peas, feta and a lot of black pepper</strong>. 25 minutes, and the orzo cooks right in the sauce.</p>
<p>Also: I stopped buying boxed stock last year. I keep a bag of veg scraps in the freezer and make a pot every other Sunday. I wrote up how (it's less work than it sounds).</p>
<p style="text-align:center"><a href="https://halfbakedkitchen.us8.list-manage.example/track/click?u=5f1d&amp;id=orz" style="background:#c0392b;color:#fff;padding:12px 22px;border-radius:24px;text-decoration:none;font-weight:bold">Get the recipe</a></p>
<p>Happy cooking,<br>Anna</p>
<p style="font-size:13px;color:#888">P.S. Reply and tell me what you'd like to see in the autumn recipes - I read every email.</p>
</td></tr>
<tr><td style="padding:18px;font-size:11px;color:#999;text-align:center;font-family:Arial,sans-serif">Copyright © 2025 Half-Baked Kitchen, All rights reserved.<br>You are receiving this email because you opted in via our website.<br><a href="https://halfbakedkitchen.us8.list-manage.example/profile?u=5f1d" style="color:#999">update your preferences</a> or <a href="https://halfbakedkitchen.us8.list-manage.example/unsubscribe?u=5f1d&amp;id=7a0" style="color:#999">unsubscribe from this list</a></td></tr>
</table></td></tr></table></center>
<img src="https://halfbakedkitchen.us8.list-manage.example/track/open.php?u=5f1d&amp;id=orz&amp;e=2b91" height="1" width="1"></body></html>""")

M(cls=H, cat="newsletter", lang="en", name="security-newsletter-plain", prof="inhouse", bulk=True, tz="-0500",
  frm=("Threat Notes", "list@threatnotes.example"), to="tom.becker@example.org",
  subj="Threat Notes - week 18: passkeys rollout, a printer driver bug, and SBOM fatigue",
  text="""THREAT NOTES - week 18
========================

Short, plain-text, no tracking. As always.

1) Passkeys are finally mainstream in consumer banking
   Three more large banks turned them on this month. If you run an
   auth stack, the WebAuthn conditional UI is worth a weekend.

2) Printer driver privilege escalation
   Patch your Windows print servers; details are in the vendor advisory.
   The bug needs local access, but that's what phishing is for.

3) SBOM fatigue
   An honest essay on why most SBOMs are never read, and what a useful
   one looks like (hint: fewer fields, signed, diffable).

Reading list
- "Designing for revocation" - a long post about token lifetimes
- A good explainer on DMARC aggregate reports

--
You subscribed at threatnotes.example. To leave, reply with "unsubscribe"
or use the one-click link in your mail client.
""")

M(cls=H, cat="newsletter", lang="en", name="product-changelog", prof="postmark", stream="broadcast", bulk=True, tz="+0000",
  frm=("Tallyboard", "updates@tallyboard.example"), to="tom.becker@example.org",
  subj="What's new in Tallyboard: recurring invoices, dark mode, and CSV import",
  html=card("Tallyboard", "#4f46e5", "What's new this month", [
      "<b>Recurring invoices.</b> Set a schedule once and Tallyboard sends the invoice on the day, with the right VAT for each client's country.",
      "<b>Dark mode.</b> It follows your system setting. Yes, the charts too.",
      "<b>CSV import.</b> Bring clients and products over from spreadsheets — we map the columns for you and show a preview before anything is saved.",
      '<img src="https://cdn.tallyboard.example/changelog/2025-09/recurring.png" width="520" alt="Recurring invoice settings" style="width:100%;border:1px solid #e5e7eb;border-radius:8px">'],
      button=("See the full changelog", "https://tallyboard.example/changelog?utm_source=newsletter"),
      footer="Tallyboard Ltd · 10 Fleet Place, London<br>You get product updates because you have a Tallyboard account. <a href=\"https://tallyboard.example/email-preferences\">Email preferences</a>",
      pixel="https://pm-track.tallyboard.example/o/broadcast/0c1e"))

# ------------------------------------------------------------------ mailing lists
M(cls=H, cat="list", lang="en", name="mailman-postgres-question", prof="mailman", tz="+0200",
  frm=("Henrik Saarinen", "henrik.saarinen@example.org"), to="pgsql-users@lists.pgfriends.example",
  list_id="General discussion <pgsql-users.lists.pgfriends.example>",
  subj="Re: [pgsql-users] autovacuum not keeping up on a 2TB table",
  reply="<CAHs9x2w8kq@mail.example.com>",
  text="""On Thu, 6 Mar 2025 at 10:12, Daniel Ortiz <dortiz@example.com> wrote:
> We have a 2TB table with heavy updates and autovacuum never finishes
> before the next wraparound warning. Settings are mostly default.
> Any pointers?

The defaults are tuned for small databases. For a table like that I'd start with per-table settings:

  ALTER TABLE big_t SET (autovacuum_vacuum_scale_factor = 0.01,
                         autovacuum_vacuum_cost_limit = 2000);

and raise autovacuum_max_workers if you have the IO. Also check that nothing holds an old snapshot (long-running transactions, abandoned replication slots) - that's the most common reason vacuum "never finishes": it can't remove the dead tuples anyway.

SELECT slot_name, active, xmin FROM pg_replication_slots;

HTH,
Henrik
_______________________________________________
pgsql-users mailing list -- pgsql-users@lists.pgfriends.example
To unsubscribe send an email to pgsql-users-leave@lists.pgfriends.example
""")

M(cls=H, cat="list", lang="en", name="google-group-choir", prof="ggroups", tz="+0000",
  frm=("Fiona Grant", "fiona.grant@example.com"), to="cantata-singers@googlegroups.example",
  list_id="<cantata-singers.googlegroups.example>",
  subj="[Cantata] Rehearsal moved to the church hall this Thursday",
  text="""Hi all,

The school is using the music room on Thursday, so rehearsal is in St Mark's church hall (side entrance, same time 7:30).

Sopranos: please bring the Rutter scores, we're short of copies.

See you there,
Fiona

--
You received this message because you are subscribed to the Google Groups "Cantata Singers" group.
To unsubscribe from this group and stop receiving emails from it, send an email to cantata-singers+unsubscribe@googlegroups.example.
To view this discussion visit https://groups.googlegroups.example/d/msgid/cantata-singers/8c1f.
""", unsub="<mailto:googlegroups-manage+30112+unsubscribe@googlegroups.example>, <https://groups.googlegroups.example/d/forum/cantata-singers/unsubscribe>")

M(cls=H, cat="list", lang="en", name="discourse-forum-digest-reply", prof="discourse", tz="+0000",
  frm=("Hal via Homelab Forum", "forum@homelab-forum.example"), to="alex.morgan@example.com",
  list_id="Homelab Forum <hardware.homelab-forum.example>",
  subj="[Homelab Forum] [Hardware] Quietest 4-bay NAS case?",
  text="""Hal
November 3

I went through three cases last year. The one with the 140mm rear fan and rubber drive sleds was the only one I could live with in a flat. The cheaper ones rattle at any fan speed.

Whatever you get, put the drives on the lowest spin-down that your workload tolerates - the drives are louder than the fans.

Visit Topic (https://homelab-forum.example/t/quietest-4-bay-nas-case/23144/7) or reply to this email to respond.

To unsubscribe from these emails, click here (https://homelab-forum.example/email/unsubscribe/4bd0c8).
""",
  html="""<div><table style="margin-bottom:25px" cellspacing="0" cellpadding="0" border="0"><tbody><tr><td style="vertical-align:top;width:55px"><img src="https://homelab-forum.example/user_avatar/hal/45/77_2.png" title="Hal" width="45" height="45" style="max-width:100%"></td>
<td><a href="https://homelab-forum.example/u/hal" style="text-decoration:none;font-weight:bold;color:#006699;font-size:13px">Hal</a><br><span style="text-align:right;color:#999999;font-size:11px">November 3</span></td></tr>
<tr><td style="padding-top:5px" colspan="2"><p style="margin-top:0;border:0">I went through three cases last year. The one with the 140mm rear fan and rubber drive sleds was the only one I could live with in a flat. The cheaper ones rattle at any fan speed.</p>
<p style="margin-top:0;border:0">Whatever you get, put the drives on the lowest spin-down that your workload tolerates - the drives are louder than the fans.</p></td></tr></tbody></table>
<div style="color:#666"><p><a href="https://homelab-forum.example/t/quietest-4-bay-nas-case/23144/7" style="color:#006699">Visit Topic</a> or reply to this email to respond.</p></div>
<div style="color:#666"><p>To unsubscribe from these emails, <a href="https://homelab-forum.example/email/unsubscribe/4bd0c8" style="color:#006699">click here</a>.</p></div></div>""")

M(cls=H, cat="list", lang="en", name="debian-style-announce", prof="mailman", tz="+0000",
  frm=("Release Team", "release@openbird-os.example"), to="announce@lists.openbird-os.example",
  list_id="OpenBird announcements <announce.lists.openbird-os.example>",
  subj="[announce] OpenBird 12.4 point release",
  text="""-----BEGIN PGP SIGNED MESSAGE-----
Hash: SHA512

The OpenBird project is pleased to announce the fourth update of its stable distribution OpenBird 12.

This point release mainly adds corrections for security issues, along with a few adjustments for serious problems. Security advisories have already been published separately.

Those who frequently install updates from the security mirror won't have to update many packages. Upgrading an existing installation is done by pointing the package management system at one of the many mirrors.

Miscellaneous bugfixes:
  - base-files: update for the point release
  - cryptsetup: fix unlocking with keyfiles on some hardware
  - tzdata: new upstream release

- --
The OpenBird release team
-----BEGIN PGP SIGNATURE-----

iQIzBAEBCgAdFiEEvY3c0aTfY3M5cWVv7l0k2E9c1ZgFAmXgq0gACgkQ7l0k2E9c
1ZhC5w/+OeEa2x3Q9zBl0fT1b2WcTlQ0bHqF0oKqzY7o4nYb8d0xv3Gd3n1HkHfQ
=qZ3a
-----END PGP SIGNATURE-----
""")

# ------------------------------------------------------------------ services
M(cls=H, cat="service", lang="en", name="dentist-reminder", prof="mailgun", tz="-0500",
  frm=("Maple Grove Dental", "appointments@maplegrovedental.example"), to="jdoe@example.com",
  subj="Reminder: your appointment on Thursday, 3:30 PM",
  text="""Hi Jordan,

This is a reminder of your upcoming appointment:

  Cleaning & exam with Dr. Anand Rao
  Thursday, February 20 at 3:30 PM
  Maple Grove Dental, 77 Birch Rd, Suite 200

Please arrive 10 minutes early. If you need to reschedule, call us at (555) 014-2290 at least 24 hours ahead.

Confirm: https://maplegrovedental.example/c/8a2f?r=Y
Cancel or reschedule: https://maplegrovedental.example/c/8a2f

See you soon!
""", date="2025-02-17 09:00")

M(cls=H, cat="service", lang="en", name="school-weekly-letter", prof="inhouse", tz="+0000", date="2025-11-21 15:45",
  frm=("Oakfield Primary School", "office@oakfield-primary.example"), to="hannah@mailbox.example",
  subj="Oakfield Weekly - 21 November",
  text="""Dear Parents and Carers,

A busy week! Year 4 visited the Roman museum on Tuesday and came back full of facts about aqueducts.

Dates for your diary
- Mon 24 Nov: Flu vaccinations (Reception - Year 6), consent forms due Friday
- Thu 27 Nov: Parents' evening, book a slot on the parent app
- Fri 5 Dec: Christmas jumper day (£1 donation to the food bank)

Lost property
The box is overflowing. Please check it before Friday - unclaimed items go to the charity shop.

Reminder: the school car park is for staff and blue badge holders only.

Have a lovely weekend,
Mrs J. Adeyemi
Headteacher
""", attach=[("Flu-consent-form-2025.pdf", "application/pdf", fake_pdf(["Oakfield Primary School", "Flu vaccination consent form 2025", "Child name: ____________  Class: ____"]))])

M(cls=H, cat="service", lang="en", name="tax-office-message", prof="inhouse", tz="+0000",
  frm=("Revenue Service Online", "no-reply@online.revenue-service.gov.example"), to="alex.morgan@example.com",
  subj="You have a new message in your tax account",
  text="""Dear customer,

You have a new message in your personal tax account. For your security we do not include details in this email.

Sign in through the official website by typing the address yourself or using your saved bookmark. We will never send you a link to claim a refund.

This is an automated message. Please do not reply.
""")

M(cls=H, cat="service", lang="en", name="library-holds-ready", prof="inhouse", tz="-0700",
  frm=("Pinecrest Public Library", "notices@pinecrestlibrary.example"), to="sam@example.org",
  subj="Hold ready for pickup",
  text="""PINECREST PUBLIC LIBRARY

The following item is being held for you at MAIN BRANCH:

  The Left Hand of Darkness / Le Guin, Ursula K.
  Pickup by: 06/12/2025

Items due soon:
  Salt, Fat, Acid, Heat                 due 06/09/2025

Renew online at https://catalog.pinecrestlibrary.example/patroninfo
Questions? 555-0134
""")

M(cls=H, cat="service", lang="en", name="vet-vaccination-due", prof="sendgrid", tz="+1000",
  frm=("Paws & Claws Vet Clinic", "reminders@pawsclaws-vet.example"), to="jdoe@example.com",
  subj="Biscuit is due for a vaccination",
  html=card("Paws & Claws", "#2a9d8f", "Biscuit is due for a check-up", [
      "Hi Jordan,", "Our records show Biscuit is due for the annual C5 vaccination and health check this month.",
      "Book online any time, or call the clinic on (07) 5550 1234.", "Woofs and purrs,<br>The Paws &amp; Claws team"],
      button=("Book an appointment", "https://pawsclaws-vet.example/book?pet=biscuit"),
      footer="Paws &amp; Claws Vet Clinic · 22 Wattle St, Paddington QLD<br><a href=\"https://pawsclaws-vet.example/prefs\">Reminder settings</a>"))

# ------------------------------------------------------------------ social
M(cls=H, cat="social", lang="en", name="mastodon-mention-small-instance", prof="inhouse", tz="+0000",
  frm=("Mastodon", "notifications@fediscience.example"), to="alex.morgan@example.com",
  subj="You were mentioned by Dr. Ines Alvarez",
  text="""You were mentioned by Dr. Ines Alvarez

@ines@fediscience.example:
@alexm the dataset is up now, DOI in the README. Tell me if the CSV headers make sense to you.

View post: https://fediscience.example/@ines/113412908817222

Manage email preferences: https://fediscience.example/settings/preferences/notifications
""",
  html="""<table class="email-w-full" cellspacing="0" cellpadding="0" border="0" role="presentation" style="width:100%"><tr><td style="background:#fff;padding:24px;font-family:Inter,'Helvetica Neue',sans-serif">
<table cellspacing="0" cellpadding="0" role="presentation"><tr><td><img src="https://fediscience.example/system/accounts/avatars/ines.png" width="40" height="40" style="border-radius:8px"></td><td style="padding-left:12px"><b>Dr. Ines Alvarez</b><br><span style="color:#6e6e87">@ines@fediscience.example</span></td></tr></table>
<p style="font-size:16px;line-height:24px"><a href="https://mastodon.example/@alexm" class="u-url mention">@<span>alexm</span></a> the dataset is up now, DOI in the README. Tell me if the CSV headers make sense to you.</p>
<a href="https://fediscience.example/@ines/113412908817222" style="background:#6364ff;color:#fff;border-radius:8px;padding:10px 18px;text-decoration:none">Reply</a>
<p style="font-size:12px;color:#6e6e87;margin-top:24px">You are receiving this because you have notifications enabled on fediscience.example. <a href="https://fediscience.example/settings/preferences/notifications">Manage email preferences</a></p>
</td></tr></table>""", unsub="<https://fediscience.example/unsubscribe?token=q1w2e3>")

M(cls=H, cat="social", lang="en", name="strava-like-kudos", prof="ses", bulk=True, tz="-0700",
  frm=("Stridely", "no-reply@stridely.example"), to="sam@example.org",
  subj="Dana and 4 others gave you kudos",
  html=card("STRIDELY", "#fc4c02", "Dana and 4 others gave you kudos", [
      "on <b>Lunch Run — 8.2 km</b>",
      '<img src="https://maps.stridely.example/static/route/12091877.png" width="520" alt="Route map" style="width:100%;border-radius:6px">',
      "Keep it up! You've run 4 weeks in a row."], button=("View activity", "https://stridely.example/activities/12091877"),
      footer="Stridely Inc. · <a href=\"https://stridely.example/settings/email\">Email settings</a>"))

M(cls=H, cat="social", lang="en", name="community-event-rsvp", prof="sendgrid", bulk=True, tz="+0100",
  frm=("Meetups.example", "info@email.meetups.example"), to="tom.becker@example.org",
  subj="New event in Berlin Rust Users: Embedded night (Nov 12)",
  text="""Berlin Rust Users just scheduled a new event

Embedded night: talks + hack session
Wednesday, November 12 · 7:00 PM
c-base, Rungestrasse 20

Two short talks (Embassy on RP2040, writing a sensor driver), then bring your boards.
48 spots, 31 left.

RSVP: https://meetups.example/berlin-rust/events/30511/
""")
