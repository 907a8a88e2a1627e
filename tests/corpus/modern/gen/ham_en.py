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
