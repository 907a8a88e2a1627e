"""More modern legitimate mail (English and Spanish): app notifications, billing alerts,
promotional newsletters the user signed up for, and other shapes a 2002 corpus never saw."""
from lib import M, fake_pdf, ics
from skins import card, mjml, outlook, gmail, simple, esc

H = "ham"

M(cls=H, cat="transactional", lang="en", name="payment-app-received", prof="sendgrid", tz="-0500",
  frm=("PayFlow", "service@payflow.example"), to="jdoe@example.com",
  subj="You've got money: Ellie Doe sent you $45.00",
  html=card("PayFlow", "#003087", "Ellie Doe sent you $45.00 USD", [
      "Note from Ellie: <i>\"concert tickets 🎶\"</i>",
      "The money is in your PayFlow balance. Transaction ID: 5RT88120KL0093514",
      "It may take a few moments for this transaction to appear in your account."],
      button=("View transaction", "https://www.payflow.example/activity/payment/5RT88120KL0093514"),
      footer="Please don't reply to this email. To get in touch, visit the Help Center.<br>PayFlow Holdings · 2211 N First St · San Jose, CA"))

M(cls=H, cat="transactional", lang="en", name="cloud-billing-alert", prof="ses-us", tz="+0000",
  frm=("Stratus Cloud Billing", "billing-alerts@stratuscloud.example"), to="tom.becker@example.org",
  subj="Budget alert: 'monthly-dev' has exceeded 80% of $200.00",
  text="""Stratus Cloud Budgets

Your budget "monthly-dev" has exceeded 80% of its monthly limit.

Account: 4471-9920-1183 (becker-dev)
Budgeted amount: $200.00
Current spend: $163.42 (81.7%)
Forecasted month-end: $231.10

Top services this month:
  Compute instances   $98.20
  Object storage      $31.77
  Managed database    $27.40
  Data transfer        $6.05

Review your costs in the billing console: https://console.stratuscloud.example/billing/home#/budgets

You're receiving this because you set up a budget alert. To stop, edit the budget's notification settings.
""")

M(cls=H, cat="transactional", lang="en", name="domain-renewal-reminder", prof="postmark", tz="-0700",
  frm=("Namewell", "renewals@namewell.example"), to="sam@example.org",
  subj="Your domain example.org renews in 30 days",
  text="""Hi Sam,

A heads-up: example.org is set to auto-renew on 14 January 2026 for 1 year at $10.98 (including ICANN fee).

Card on file: Visa ending 7720 (expires 03/27)

Nothing to do if that's what you want. Manage renewals: https://www.namewell.example/domains

Namewell
""", date="2025-12-15 09:00")

M(cls=H, cat="transactional", lang="en", name="airbnb-like-reservation", prof="sparkpost", tz="+0000",
  frm=("Nestaway", "automated@nestaway-stays.example"), to="hannah@mailbox.example",
  subj="Reservation confirmed for Lisbon",
  html="""<!DOCTYPE html><html><head><meta name="viewport" content="width=device-width"><style>@media (prefers-color-scheme: dark){.bg{background:#111!important;color:#eee!important}}</style></head>
<body class="bg" style="margin:0;font-family:Circular,-apple-system,'Helvetica Neue',sans-serif;color:#222">
<div style="max-width:560px;margin:0 auto;padding:24px">
<div style="color:#ff385c;font-size:24px;font-weight:800;margin-bottom:24px">nestaway</div>
<h1 style="font-size:30px;line-height:1.2;margin:0 0 8px">You're going to Lisbon!</h1>
<p style="font-size:18px;color:#717171;margin:0 0 24px">Reservation code HMK2T9QX4A</p>
<img src="https://a0.nestaway-stays.example/pictures/alfama-flat.jpg" width="512" style="width:100%;border-radius:12px" alt="">
<table width="100%" style="margin-top:20px;font-size:16px"><tr><td><b>Check-in</b><br>Fri, 9 May<br>3:00 PM</td><td><b>Checkout</b><br>Mon, 12 May<br>11:00 AM</td></tr></table>
<p style="font-size:16px">Sunny flat in Alfama with river view · Hosted by Joana</p>
<p style="font-size:16px"><b>Total (EUR)</b> €412.60</p>
<a href="https://www.nestaway-stays.example/trips/HMK2T9QX4A" style="display:block;text-align:center;background:#222;color:#fff;border-radius:8px;padding:14px;text-decoration:none;font-weight:600">View itinerary</a>
<p style="font-size:12px;color:#717171;margin-top:32px">Nestaway Ireland UC, 8 Hanover Quay, Dublin 2</p>
</div><img src="https://t.nestaway-stays.example/o/HMK2T9QX4A.gif" width="1" height="1" alt=""></body></html>""", date="2025-03-20 18:12")

M(cls=H, cat="security", lang="en", name="passkey-added", prof="ses", tz="-0400",
  frm=("Cloudnest", "no-reply@accounts.cloudnest.example"), to="alex.morgan@example.com",
  subj="A passkey was added to your account",
  html="""<div style="font-family:'Google Sans',Roboto,Arial,sans-serif;max-width:520px;margin:0 auto;border:1px solid #dadce0;border-radius:8px;padding:40px 20px;text-align:center">
<img src="https://www.cloudnest.example/images/logo_2x.png" width="74" alt="Cloudnest">
<div style="font-size:24px;padding-top:16px">A passkey was added to your account</div>
<div style="font-size:14px;color:#3c4043;padding-top:8px">alex.morgan@example.com</div>
<div style="font-size:14px;line-height:20px;text-align:left;padding-top:20px">You can now use a passkey on <b>Pixel 8</b> to sign in. If you didn't add this passkey, someone might be using your account. Check and secure your account now.</div>
<div style="padding-top:32px"><a href="https://accounts.cloudnest.example/AccountChooser?continue=security" style="background:#4184f3;color:#fff;padding:10px 24px;border-radius:4px;text-decoration:none;font-size:14px">Check activity</a></div>
<div style="font-size:12px;color:#5f6368;padding-top:20px">You can also see security activity at<br>https://myaccount.cloudnest.example/notifications</div></div>
<div style="font-size:11px;color:#5f6368;text-align:center;padding-top:12px">You received this email to let you know about important changes to your Cloudnest Account and services.</div>""")

M(cls=H, cat="security", lang="en", name="dependabot-alert", prof="github", gh_reason="security_alert", gh_repo="lumen-apps/web",
  frm=("GitHub", "noreply@github-mail.example"), to="alex.morgan@example.com", tz="+0000",
  subj="[lumen-apps/web] Your Dependabot alerts digest",
  text="""Your Dependabot alerts digest for lumen-apps/web

3 new alerts since last week

  High     semver-lite  ReDoS in range parsing           package-lock.json
  Moderate mini-proxy   Host header not validated        package-lock.json
  Low      datefmt      Incorrect week number in ISO fmt  package-lock.json

Dependabot can open pull requests to fix 2 of these.

View all alerts: https://github-mail.example/lumen-apps/web/security/dependabot

You are receiving this because you have the Dependabot alerts digest enabled for this repository.
""")

M(cls=H, cat="security", lang="en", name="sso-login-from-new-location", prof="postmark", tz="+1000",
  frm=("Okapi Identity", "noreply@wattle-soft.okapi-id.example"), to="jdoe@example.com",
  subj="Sign-in from a new location - Wattle Software",
  text="""Hi Jordan,

Your Wattle Software account was used to sign in from a new location:

  Browser: Chrome 131 on macOS
  Location: Melbourne, VIC, Australia
  IP address: 203.0.113.44
  Time: 11 Feb 2025, 9:04 AM AEDT

If this was you, you can ignore this message. If not, report it to your IT team with the "Report suspicious activity" button in your dashboard.

This is an automatically generated message from Okapi Identity. Replies are not monitored.
""", date="2025-02-11 09:05")

M(cls=H, cat="work", lang="en", name="slack-like-mentions-digest", prof="sendgrid", tz="-0700",
  frm=("Chatter", "feedback@chatter-mail.example"), to="sam@example.org",
  subj="[Chatter] New messages from Dana in #launch-planning",
  html="""<table width="100%" cellpadding="0" cellspacing="0" style="font-family:Lato,'Slack-Lato',Helvetica,sans-serif;background:#f8f8f8"><tr><td align="center" style="padding:32px 0">
<table width="560" cellpadding="0" cellspacing="0" style="background:#fff;border-radius:8px;padding:32px"><tr><td>
<div style="font-size:20px;font-weight:900;margin-bottom:16px">You have new mentions in <span style="color:#1264a3">runwell</span></div>
<table cellpadding="0" cellspacing="0" style="border-left:4px solid #e8e8e8;padding-left:12px;margin:12px 0"><tr><td style="font-size:15px"><b>Dana Okafor</b> <span style="color:#616061;font-size:12px">10:42 AM · #launch-planning</span><br>@Sam can you confirm the status page copy is final? Legal wants it by 2.</td></tr></table>
<table cellpadding="0" cellspacing="0" style="border-left:4px solid #e8e8e8;padding-left:12px;margin:12px 0"><tr><td style="font-size:15px"><b>Dana Okafor</b> <span style="color:#616061;font-size:12px">10:44 AM · #launch-planning</span><br>also the screenshot in section 2 is from the old UI 🙈</td></tr></table>
<a href="https://runwell.chatter-mail.example/archives/C04LAUNCH/p1718300520" style="display:inline-block;background:#611f69;color:#fff;font-weight:700;padding:12px 24px;border-radius:4px;text-decoration:none;margin-top:12px">Open Chatter</a>
<p style="font-size:12px;color:#696969;margin-top:32px">You're getting this email because you have unread mentions. <a href="https://runwell.chatter-mail.example/account/notifications">Change notification settings</a></p>
</td></tr></table></td></tr></table>""")

M(cls=H, cat="work", lang="en", name="video-meeting-recording-ready", prof="sendgrid", tz="-0400",
  frm=("Vidmeet", "no-reply@vidmeet.example"), to="alex.morgan@example.com",
  subj="Cloud recording - Weekly sync with BrightPath is now available",
  text="""Hi Alex,

Your cloud recording is now available.

Topic: Weekly sync with BrightPath
Date: Oct 8, 2025 10:00 AM Eastern Time (US and Canada)

Share recording with viewers:
https://vidmeet.example/rec/share/Xq7Lk2M9pPz0

Passcode: T4#m9vQ2

Recording will be deleted after 30 days.

Thank you for choosing Vidmeet.
""", date="2025-10-08 11:20")

M(cls=H, cat="work", lang="en", name="status-page-incident", prof="postmark", tz="+0000",
  frm=("Tallyboard Status", "noreply@status.tallyboard.example"), to="tom.becker@example.org",
  subj="[Tallyboard] Resolved - Delayed invoice emails",
  text="""Resolved - Delayed invoice emails

This incident has been resolved. All queued invoice emails were delivered by 14:52 UTC. We'll publish a short post-incident review within 5 business days.

Monitoring - 14:20 UTC
A fix has been deployed and the email queue is draining.

Identified - 13:41 UTC
A configuration change to our outbound mail provider caused invoice emails to be queued instead of sent.

Components affected: Email delivery

You are receiving this because you subscribed to incident updates for Tallyboard.
Manage subscription: https://status.tallyboard.example/subscriptions/8a1c0d
""")

M(cls=H, cat="work", lang="en", name="expense-report-approved", prof="mailgun", tz="+0100",
  frm=("Spendly", "notifications@spendly.example"), to="tom.becker@example.org",
  subj="Expense report 'Berlin client visit' approved",
  text="""Good news - Katrin Vogel approved your expense report.

Berlin client visit (ER-2025-0412)
4 expenses · EUR 386.20

Reimbursement will be included in your next payroll (June 27).

View report: https://app.spendly.example/reports/ER-2025-0412
""", date="2025-06-12 15:30")

M(cls=H, cat="newsletter", lang="en", name="retail-sale-newsletter", prof="klaviyo", bulk=True, tz="-0800",
  frm=("Threadline Apparel", "hello@threadline.example"), to="priya.n@example.net",
  subj="Last call: 30% off outerwear ends tonight",
  html=mjml("THREADLINE", "#111111", "Outerwear sale", [
      ("img", "https://cdn.threadline.example/email/2025-11/outerwear-hero.jpg", "Models wearing wool coats"),
      ("h", "30% off outerwear. Ends at midnight."),
      "Our recycled-wool overshirt, the quilted liner jacket and the 3-season parka — all 30% off with code <b>WARM30</b>. Free returns, as always.",
      ("btn", "Shop outerwear", "https://threadline.example/collections/outerwear?utm_source=klaviyo&utm_campaign=warm30"),
      "Not into coats? Our knitwear restock just landed too.",
  ], footer="Threadline Apparel · 480 Mission St, San Francisco CA<br>You signed up at threadline.example. <a href=\"https://manage.klmail.example/subscriptions/unsubscribe?a=Th9x&c=01J\">Unsubscribe</a> · <a href=\"https://manage.klmail.example/subscriptions/web/preferences?a=Th9x\">Manage preferences</a>",
      pixel="https://trk.klmail.example/open/Th9x/01J.png"))

M(cls=H, cat="newsletter", lang="en", name="substack-like-essay", prof="mailgun", bulk=True, tz="-0500",
  frm=("Small Batch Economics", "smallbatch@substackish.example"), to="jdoe@example.com",
  subj="Why your grocery bill stopped going down",
  html="""<html><head><meta name="viewport" content="width=device-width"></head><body style="margin:0;background:#fff">
<div style="max-width:550px;margin:0 auto;padding:20px;font-family:Georgia,'Times New Roman',serif;font-size:18px;line-height:1.6;color:#363737">
<div style="font-family:-apple-system,sans-serif;font-size:13px;color:#777">Small Batch Economics · by Nadia Farrow</div>
<h1 style="font-size:32px;line-height:1.2;color:#363737">Why your grocery bill stopped going down</h1>
<p style="font-style:italic;color:#777">Inflation fell. Prices didn't. Both are true, and here's why.</p>
<p>When people say "inflation is down", they mean the <em>rate</em> at which prices rise has slowed. They don't mean prices went back to where they were. For most of what you buy every week, they won't.</p>
<p>There are three things going on at once: wages caught up in some sectors, some costs (like transport) really did fall, and a few products quietly got smaller instead of pricier...</p>
<p><a href="https://smallbatch.substackish.example/p/grocery-bill?utm_source=email" style="font-family:-apple-system,sans-serif;background:#ff6719;color:#fff;padding:10px 18px;border-radius:6px;text-decoration:none;font-size:15px">Keep reading</a></p>
<hr style="border:0;border-top:1px solid #eee">
<p style="font-family:-apple-system,sans-serif;font-size:12px;color:#999">You're on the free list for Small Batch Economics. <a href="https://smallbatch.substackish.example/action/disable_email?token=nf">Unsubscribe</a><br>548 Market Street PMB 00000, San Francisco, CA</p>
</div><img src="https://eotrx.substackish.example/open?token=nf1" width="1" height="1" alt=""></body></html>""")

M(cls=H, cat="newsletter", lang="en", name="podcast-new-episode", prof="brevo", bulk=True, tz="+0000",
  frm=("Deep Field Podcast", "hello@deepfieldpod.example"), to="hannah@mailbox.example",
  subj="New episode: the people who count birds for a living",
  text="""New episode of Deep Field is out!

Ep. 87 - Counting birds for a living

We spent a cold January morning with the volunteers and scientists behind the winter wetland bird survey. How do you count 40,000 knots moving as one cloud? (Spoiler: in blocks of a hundred, very fast.)

Listen: https://deepfieldpod.example/87

Thanks for listening - and if you enjoy the show, telling one friend helps more than any ad.

Unsubscribe: https://r.brevosend.example/mk/un/df/87
""")

M(cls=H, cat="newsletter", lang="en", name="open-source-foundation-update", prof="mailman", tz="+0000",
  frm=("OpenBird Foundation", "board@openbird-os.example"), to="members@lists.openbird-os.example",
  list_id="OpenBird members <members.lists.openbird-os.example>",
  subj="[members] Quarterly update: elections, budget, and a call for mentors",
  text="""Dear members,

A short quarterly update from the board.

Elections: nominations for two board seats open on 1 March and close on 21 March. Any member in good standing may nominate themselves.

Budget: we ended the year with a small surplus thanks to three new corporate sponsors. The draft budget for this year is on the wiki; comments welcome until the end of the month.

Mentoring: we've been accepted into a summer mentoring programme again. We need mentors for the installer, documentation and packaging projects.

Thank you all for a great year.

On behalf of the board,
Priscilla Amankwah, Secretary
_______________________________________________
members mailing list -- members@lists.openbird-os.example
To unsubscribe send an email to members-leave@lists.openbird-os.example
""")

M(cls=H, cat="social", lang="en", name="discord-like-mention", prof="sendgrid", tz="-0500",
  frm=("Chorus", "notifications@chorus-chat.example"), to="jdoe@example.com",
  subj="You were mentioned in Tabletop Tuesdays",
  html=card("Chorus", "#5865f2", "You have 1 unread mention", [
      "<b>Tabletop Tuesdays</b> › #scheduling",
      '<div style="background:#f2f3f5;border-radius:6px;padding:12px"><b>mkl_dice</b><br>@jordan are you in for the campaign finale on the 18th? need a headcount for pizza 🍕</div>'],
      button=("Jump to message", "https://chorus-chat.example/channels/771/902/1120"),
      footer="Sent by Chorus · <a href=\"https://chorus-chat.example/settings/notifications\">Notification settings</a>"))

M(cls=H, cat="social", lang="en", name="video-platform-new-upload", prof="ses-us", bulk=True, tz="-0700",
  frm=("StreamTube", "noreply@streamtube.example"), to="sam@example.org",
  subj="Tinker Garage just uploaded a video",
  html=card("StreamTube", "#ff0000", "Tinker Garage uploaded: Restoring a 1970s workshop lathe (part 3)", [
      '<img src="https://i.streamtube.example/vi/lathe3/maxresdefault.jpg" width="520" style="width:100%;border-radius:8px" alt="">',
      "24:18 · Tinker Garage"], button=("Watch", "https://streamtube.example/watch?v=lathe3"),
      footer="You received this email because you're subscribed to Tinker Garage. <a href=\"https://streamtube.example/account_notifications\">Unsubscribe</a>"))

M(cls=H, cat="social", lang="en", name="fediverse-boost-notification", prof="inhouse", tz="+0100",
  frm=("pixelfed.example", "noreply@pixelfed-social.example"), to="tom.becker@example.org",
  subj="New follower and 3 likes on your post",
  text="""Hi tom,

Here's what happened while you were away:

- @marta@photog.example followed you
- 3 people liked your post "Foggy morning on the Spree"

See all notifications: https://pixelfed-social.example/account/activity

You can turn off these emails in Settings > Notifications.
""", unsub="<https://pixelfed-social.example/settings/notifications>")

M(cls=H, cat="service", lang="en", name="insurance-renewal-docs", prof="sfmc", tz="+0000",
  frm=("Harbour Insurance", "documents@harbour-insurance.example"), to="hannah@mailbox.example",
  subj="Your car insurance renewal documents",
  text="""Dear Ms Hannah Price,

Your car insurance policy HRB-0091442 renews on 1 April 2025.

Your renewal premium is £512.40 (last year £488.10). The increase reflects higher repair costs across the industry; your no-claims discount of 6 years is unchanged.

Your documents are attached. Please check them carefully, in particular the named drivers and annual mileage.

If you'd like to discuss your renewal, call us on 0345 000 0000, Monday to Friday 8am-8pm.

Harbour Insurance is a trading name of Harbour General Insurance Ltd, authorised and regulated by the Financial Conduct Authority.
""", attach=[("Renewal-HRB-0091442.pdf", "application/pdf", fake_pdf(["Harbour Insurance - Renewal schedule", "Policy HRB-0091442", "Premium GBP 512.40", "Renewal date 01/04/2025"]))],
  date="2025-03-04 07:10")

M(cls=H, cat="service", lang="en", name="dmv-registration-renewal", prof="inhouse", tz="-0700",
  frm=("State Motor Vehicles", "noreply@mvd.state.gov.example"), to="priya.n@example.net",
  subj="Vehicle registration renewal notice",
  text="""VEHICLE REGISTRATION RENEWAL NOTICE

Plate: 8ABC123
Vehicle: 2019 HONDA FIT
Registration expires: 07/31/2025
Renewal fee: $214.00

Renew online at the official state website (type the address yourself; the state never asks for payment by text message).
Smog certification: received 06/02/2025

Please allow 10 days for mailing of your sticker.
""", date="2025-06-05 06:00")

M(cls=H, cat="service", lang="en", name="school-app-message-teacher", prof="sendgrid", tz="-0500",
  frm=("ClassBridge", "messages@classbridge.example"), to="jdoe@example.com",
  subj="New message from Ms. Alvarez (Grade 2)",
  text="""Ms. Alvarez sent you a message:

"Hi families! Reminder that Friday is pajama day and we're reading in the library. Also, Liam left his water bottle in class - it's safe on my desk :)"

Reply in ClassBridge: https://classbridge.example/messages/thread/44120

You're getting this email because you're connected to Liam's class. Notification settings: https://classbridge.example/settings
""")

M(cls=H, cat="personal", lang="en", name="sibling-group-email-holidays", prof="personal", tz="-0600",
  frm=("Ben Morgan", "ben.morgan@example.org"), to="alex.morgan@example.com",
  cc="Kate Morgan <katem@example.net>", to_hdr="Alex Morgan <alex.morgan@example.com>",
  subj="Thanksgiving plan v3 (final, I promise)",
  text="""Ok team, final plan:

- We host this year. Kate brings pies (plural!!), Alex brings the green beans and whatever wine.
- Mom and Dad fly in Wednesday, I'll get them from the airport.
- Dinner at 4. Football is on mute during dinner, this is non-negotiable (looking at you Alex).

Kids table is in the sunroom. Let me know about allergies for the new partners :)

Ben
""", date="2025-11-10 20:30")

M(cls=H, cat="personal", lang="en", name="reply-with-long-quote-chain", prof="personal", tz="+0000",
  frm=("Hannah Price", "hannah@mailbox.example"), to="greg.h@mailbox.example",
  subj="Re: Re: Re: street party road closure", reply="<f1b2c3d4@mailbox.example>",
  refs="<a0b1c2d3@mailbox.example> <e5f6a7b8@mailbox.example> <f1b2c3d4@mailbox.example>",
  text="""Brilliant, thanks Greg. I'll do the leaflets this weekend then.

H

On Wed, 21 May 2025 at 19:02, Greg <greg.h@mailbox.example> wrote:
> Council approved the closure! 12-6pm on the 21st. They want the
> signed form back by the 7th and someone named as "event lead".
> Happy to be that if nobody else wants to.
>
> On Tue, 20 May 2025 at 08:11, Hannah Price <hannah@mailbox.example> wrote:
>> Any news from the council? I think we need to apply 4 weeks ahead.
>>
>> On Sun, 18 May 2025 at 17:40, Greg <greg.h@mailbox.example> wrote:
>>> I've sent the road closure application in, fingers crossed.
""", date="2025-05-21 21:15")

M(cls=H, cat="personal", lang="en", name="recommendation-letter-thanks", prof="personal", tz="-0400",
  frm=("Jasmine Cole", "jas.cole@example.edu"), to="priya.n@example.net",
  subj="thank you!!", ua=("User-Agent", "Proton Mail"),
  text="""Dr. N,

I just heard back and I got into the program!! Thank you so much for writing the letter on such short notice. I genuinely don't think I would have been considered without it.

I'll be starting in the fall. I'd love to buy you a coffee before I leave if you have time.

Jasmine
""")

M(cls=H, cat="list", lang="en", name="google-group-parents-ptac", prof="ggroups", tz="-0500",
  frm=("Monique Baptiste", "monique.b@example.com"), to="lincoln-ptac@googlegroups.example",
  list_id="<lincoln-ptac.googlegroups.example>",
  subj="[Lincoln PTAC] Volunteers needed - book fair setup Sunday",
  text="""Hi everyone,

We need 6 more volunteers to set up the book fair this Sunday, 1-3pm in the gym. Teens welcome (volunteer hours count!).

Sign up sheet is the pinned doc in the group. Thanks!!

Monique

--
You received this message because you are subscribed to the Groups "Lincoln PTAC" group.
To unsubscribe from this group, send an email to lincoln-ptac+unsubscribe@googlegroups.example.
""", unsub="<mailto:googlegroups-manage+6612+unsubscribe@googlegroups.example>")

# ------------------------------------------------------------------ más en español
M(cls=H, cat="transactional", lang="es", name="pedido-marketplace-enviado", prof="ses", tz="+0100",
  frm=("MercadoTodo.es", "confirmar-envio@mercadotodo.example"), to="diego.fernandez@example.org",
  subj="Enviado: «Auriculares inalámbricos con cancelación de ruido»",
  html="""<html><body style="font-family:Arial,sans-serif;color:#0f1111;margin:0"><table width="100%" cellpadding="0" cellspacing="0"><tr><td align="center">
<table width="600" cellpadding="0" cellspacing="0"><tr><td style="padding:16px 20px;border-bottom:1px solid #ddd;font-size:22px;font-weight:bold">mercadotodo<span style="color:#ff9900">.es</span></td></tr>
<tr><td style="padding:20px"><h2 style="font-weight:400;margin:0 0 12px">Hola Diego, tu paquete está en camino</h2>
<p style="margin:0 0 6px">Llegada: <b style="color:#007600">jueves, 13 de noviembre</b></p>
<table width="100%" style="border-top:1px solid #eee;margin-top:12px"><tr><td width="90"><img src="https://m.mercadotodo.example/images/auriculares.jpg" width="80"></td><td>Auriculares inalámbricos con cancelación de ruido<br><span style="color:#565959">Vendido por Audiotek ES</span></td></tr></table>
<p><a href="https://www.mercadotodo.example/progress-tracker/package?orderId=403-1192088-5512" style="background:#ffd814;border-radius:20px;padding:8px 20px;color:#0f1111;text-decoration:none">Rastrear paquete</a></p>
<p style="font-size:12px;color:#565959">Pedido nº 403-1192088-5512 · Total: 79,99 €</p></td></tr></table></td></tr></table></body></html>""")

M(cls=H, cat="transactional", lang="es", name="recibo-agua-mx", prof="inhouse", tz="-0600",
  frm=("Agua y Saneamiento Municipal", "recibos@aguamunicipal.gob.example"), to="carmen.lopez@example.net",
  subj="Tu recibo de agua bimestral está listo",
  text="""Estimado(a) usuario(a):

Tu recibo de agua del bimestre septiembre-octubre 2025 ya está disponible.

Cuenta: 04-221-0913-7
Consumo: 28 m³
Total a pagar: $ 412.00 MXN
Fecha límite: 20/11/2025

Paga en línea, en bancos o tiendas de conveniencia con tu número de cuenta.

Cuidar el agua es tarea de todos.
""", date="2025-11-03 08:00")

M(cls=H, cat="transactional", lang="es", name="seguro-hogar-renovacion", prof="sfmc", tz="+0100",
  frm=("Seguros Atalaya", "clientes@segurosatalaya.example"), to="jgarcia@example.com",
  subj="Renovación de tu seguro de hogar - póliza 40-7712093",
  html=outlook(["Estimado Javier:", "", "Te recordamos que tu póliza de hogar <b>40-7712093</b> se renueva automáticamente el <b>1 de febrero de 2026</b>.",
                "", "Prima anual: 214,36 € (el año pasado, 205,10 €). Las coberturas no cambian.", "",
                "Si quieres revisar las coberturas o cambiar la forma de pago, entra en tu Área Cliente o llámanos al 900 000 111.", "",
                "Un saludo,", "Seguros Atalaya"], lang="ES"), date="2026-01-02 09:30")

M(cls=H, cat="security", lang="es", name="cuenta-correo-acceso-nuevo", prof="ses", tz="-0500",
  frm=("Correo Andino", "seguridad@correoandino.example"), to="carmen.lopez@example.net",
  subj="Alerta de seguridad: nuevo acceso desde Windows",
  text="""Hola Carmen:

Se inició sesión en tu cuenta de Correo Andino desde un nuevo dispositivo Windows.

carmen.lopez@example.net
Hora: 9 de abril de 2025, 07:58 (GMT-5)
Ubicación aproximada: Bogotá, Colombia

Si fuiste tú, no tienes que hacer nada. Si no, te ayudaremos a proteger tu cuenta desde Configuración > Seguridad.

Recibiste este correo electrónico para informarte sobre cambios importantes en tu cuenta.
""", date="2025-04-09 08:00")

M(cls=H, cat="personal", lang="es", name="tia-cumpleanos-abuelo", prof="personal", tz="-0300",
  frm=("Tía Graciela", "graciela.sosa@example.org"), to="vale.sosa@example.org",
  subj="cumple del abuelo", ua=("User-Agent", "Roundcube Webmail/1.6.6"),
  text="""Vale querida, el domingo 14 festejamos los 90 del abuelo en el quincho de tu primo Nico. Empezamos 13 hs con asado.

Le estamos juntando para regalarle una radio nueva (la vieja ya no agarra ninguna AM jaja). Si querés sumarte pasame lo que puedas por transferencia, el alias es GRACIELA.SOSA.CASA

besos a todos
Graciela
""")

M(cls=H, cat="personal", lang="es", name="companero-piso-factura-luz", prof="personal", tz="+0100",
  frm=("Adrián", "adri.nogueira@example.com"), to="pablo@example.es",
  subj="factura de la luz + wifi", ua=("X-Mailer", "iPhone Mail (21F90)"),
  text="""Pablo, te paso lo de este mes:

Luz: 64,20
Wifi: 30
Total 94,20 -> 47,10 cada uno

Hazme bizum cuando puedas, sin prisa. Por cierto, ¿el viernes cenamos en casa o sales?

Enviado desde mi iPhone
""")

M(cls=H, cat="work", lang="es", name="gitlab-mr-aprobado", prof="gitlab", gl_project="app-reservas", gl_reason="", tz="-0300",
  frm=("Martín Acosta", "gitlab@gitlab-mail.example"), to="pablo@example.es",
  subj="app-reservas | Merge request !87 fue aprobado por Martín Acosta",
  text="""Merge request !87 fue aprobado por Martín Acosta

Proyecto: turismo-patagonia / app-reservas
Rama: feature/pago-cuotas -> main

"Lo probé en staging, las cuotas se calculan bien. Solo falta el texto legal del checkout, pero eso puede ir en otro MR."

https://gitlab-mail.example/turismo-patagonia/app-reservas/-/merge_requests/87

--
Recibes este correo por tu cuenta en gitlab-mail.example.
""")

M(cls=H, cat="work", lang="es", name="propuesta-congreso-aceptada", prof="mailgun", tz="+0100",
  frm=("Comité de Programa - JornadasDev 2025", "programa@jornadasdev.example"), to="marta.r@correo.example",
  subj="Tu propuesta «Observabilidad para equipos pequeños» ha sido aceptada",
  text="""¡Hola Marta!

Nos alegra comunicarte que tu charla «Observabilidad para equipos pequeños» ha sido ACEPTADA para JornadasDev 2025 (Zaragoza, 16-17 de octubre).

Formato: charla de 30 minutos + 10 de preguntas
Sala y horario: los publicaremos a principios de septiembre

Próximos pasos:
1. Confirma tu asistencia antes del 15 de julio en el panel de ponentes.
2. Sube una foto y una bio corta.
3. Si necesitas ayuda con el viaje, escríbenos: tenemos ayudas para ponentes.

¡Gracias por proponer!
El comité de programa
""", date="2025-07-01 10:00")

M(cls=H, cat="newsletter", lang="es", name="tienda-rebajas-newsletter", prof="klaviyo", bulk=True, tz="+0100",
  frm=("Lana & Lino", "hola@lanaylino.example"), to="marta.r@correo.example",
  subj="Rebajas: hasta -40% en punto y lino 🧶",
  html=mjml("LANA & LINO", "#8d6e63", "Rebajas", [
      ("img", "https://cdn.lanaylino.example/email/rebajas-ene.jpg", "Jerséis de punto en una estantería"),
      ("h", "Empiezan las rebajas"),
      "Hasta un 40 % en jerséis de punto, camisas de lino y nuestra manta de lana merina. Envío gratis a partir de 50 € y devoluciones gratuitas durante 30 días.",
      ("btn", "Ver las rebajas", "https://lanaylino.example/rebajas?utm_source=klaviyo&utm_medium=email"),
  ], footer="Lana &amp; Lino · Calle del Tinte 3, Valencia<br>Te escribimos porque te suscribiste en lanaylino.example. <a href=\"https://manage.klmail.example/subscriptions/unsubscribe?a=LyL\">Darte de baja</a>", lang="es",
      pixel="https://trk.klmail.example/open/LyL/rebajas.png"))

M(cls=H, cat="newsletter", lang="es", name="boletin-ayuntamiento-cultura", prof="brevo", bulk=True, tz="+0200",
  frm=("Cultura Ayuntamiento de Gijón", "cultura@gijon-cultura.example"), to="lucia.martin@example.es",
  subj="Agenda cultural de la semana: teatro, cine de verano y visitas guiadas",
  text="""AGENDA CULTURAL · del 14 al 20 de julio

TEATRO
- "La casa de Bernarda Alba", Teatro Jovellanos. Jueves y viernes 20:30. Entradas desde 12 €.

CINE DE VERANO
- Todos los martes en el Parque Isabel la Católica, 22:15. Gratis. Esta semana: "Vacaciones en Roma" (VOSE).

VISITAS GUIADAS
- Ruta por el Cerro de Santa Catalina. Sábado 11:00. Inscripción previa.

Más información: https://gijon-cultura.example/agenda

Recibes este boletín porque te suscribiste en la web municipal. Darse de baja: https://r.brevosend.example/mk/un/gijon/77
""", date="2025-07-13 09:00")

M(cls=H, cat="list", lang="es", name="lista-vecinos-huerto-urbano", prof="mailman", tz="+0100",
  frm=("Rosa Ibáñez", "rosa.ibanez@example.es"), to="huerto@lists.vecinosdelsur.example",
  list_id="Huerto urbano del barrio <huerto.lists.vecinosdelsur.example>",
  subj="[Huerto] Turnos de riego de agosto",
  text="""Hola a todas y todos,

Como cada verano, necesitamos organizar los turnos de riego para agosto, que mucha gente se va de vacaciones.

He puesto una tabla en la caseta y otra en el documento compartido. Apuntaos al menos a dos días, por favor. Los tomates del bancal 4 necesitan riego diario.

Gracias!
Rosa
_______________________________________________
Huerto mailing list -- huerto@lists.vecinosdelsur.example
Para darse de baja, envíe un mensaje a huerto-leave@lists.vecinosdelsur.example
""")

M(cls=H, cat="service", lang="es", name="universidad-matricula-plazo", prof="inhouse", tz="-0300",
  frm=("Universidad Nacional - Secretaría Académica", "alumnos@sec.unac.edu.example"), to="vale.sosa@example.org",
  subj="Inscripción a materias - 2º cuatrimestre 2025",
  text="""Estimada/o estudiante:

Se informa que la inscripción a materias del segundo cuatrimestre se realizará del 28 de julio al 1 de agosto a través del sistema de autogestión.

Recordá verificar que no tengas deudas de documentación en Alumnos antes de inscribirte.

Secretaría Académica
Facultad de Ciencias Exactas
""", date="2025-07-21 11:00")

M(cls=H, cat="social", lang="es", name="red-social-recuerdo", prof="ses", bulk=True, tz="+0100",
  frm=("Fotogram", "no-reply@mail.fotogram.example"), to="lucia.martin@example.es",
  subj="Tienes recuerdos de hace 3 años",
  html=card("Fotogram", "#c13584", "Tus recuerdos de hoy", [
      "Hace 3 años publicaste 4 fotos en <b>Picos de Europa</b>.",
      '<img src="https://cdn.fotogram.example/m/picos.jpg" width="300" style="border-radius:6px" alt="">'],
      button=("Ver recuerdos", "https://fotogram.example/recuerdos"), lang="es",
      footer="Fotogram · <a href=\"https://fotogram.example/emails/settings\">Configuración de notificaciones</a>"))

M(cls=H, cat="service", lang="es", name="veterinaria-vacuna-perro", prof="mailgun", tz="-0600",
  frm=("Clínica Veterinaria Patitas", "citas@vetpatitas.example"), to="carmen.lopez@example.net",
  subj="Recordatorio: vacuna anual de Canela",
  text="""Hola Carmen,

Te recordamos que a Canela le toca su vacuna anual (séxtuple y antirrábica) este mes.

Puedes agendar respondiendo este correo o por WhatsApp al 55 5555 0199.

¡Saludos y una caricia para Canela!
Clínica Veterinaria Patitas
""")

M(cls=H, cat="security", lang="es", name="codigo-inicio-sesion-red-social", prof="sendgrid", tz="-0300",
  frm=("Conecta Pro", "seguridad@conectapro.example"), to="vale.sosa@example.org",
  subj="Valentina, este es tu código de verificación",
  text="""Hola Valentina:

Para terminar de iniciar sesión, ingresá este código:

441 870

Si no intentaste iniciar sesión, te recomendamos cambiar tu contraseña.

Gracias,
El equipo de Conecta Pro
""")

M(cls=H, cat="transactional", lang="en", name="app-store-receipt", prof="ses-us", tz="-0700",
  frm=("Orchard App Store", "no_reply@email.orchard-store.example"), to="sam@example.org",
  subj="Your receipt from Orchard",
  html="""<html><body style="font-family:-apple-system,'SF Pro Text','Helvetica Neue',sans-serif;color:#1d1d1f;margin:0"><div style="max-width:640px;margin:0 auto;padding:24px">
<div style="font-size:32px;font-weight:600">Receipt</div>
<table width="100%" style="font-size:12px;color:#86868b;margin:16px 0"><tr><td>APPLE ID<br><span style="color:#1d1d1f">sam@example.org</span></td><td>DATE<br><span style="color:#1d1d1f">Apr 2, 2025</span></td><td>ORDER ID<br><span style="color:#1d1d1f">MLB7Q2XK9P</span></td></tr></table>
<table width="100%" style="border-top:1px solid #d2d2d7;font-size:14px"><tr><td style="padding:12px 0"><b>Trailmark Pro</b><br><span style="color:#86868b">Yearly · Renews Apr 2, 2026</span></td><td align="right">$29.99</td></tr>
<tr><td style="padding:4px 0;color:#86868b">Tax</td><td align="right">$2.63</td></tr><tr><td style="padding:12px 0;border-top:1px solid #d2d2d7"><b>TOTAL</b></td><td align="right" style="border-top:1px solid #d2d2d7"><b>$32.62</b></td></tr></table>
<p style="font-size:12px;color:#86868b">Billed to Visa •••• 7720. <a href="https://reportaproblem.orchard-store.example/">Report a problem</a> · <a href="https://orchard-store.example/account/subscriptions">Manage subscriptions</a></p>
</div></body></html>""", date="2025-04-02 09:14")

M(cls=H, cat="transactional", lang="en", name="crowdfunding-backer-update", prof="sendgrid", bulk=True, tz="-0500",
  frm=("Boostr", "no-reply@boostr.example"), to="jdoe@example.com",
  subj="Project update #9 for Pocket Loom: shipping has started!",
  text="""Pocket Loom - a weaving kit that fits in your bag
Update #9 · Posted by Wren & Thread

Hi backers!

The first 600 kits left the warehouse this morning. If you're in the US or Canada, you'll get a tracking email in the next 72 hours. EU and UK kits are on a boat and should clear customs in about three weeks.

Thank you for your patience through the yarn shortage - the new colourway came out better than the original.

Read the full update: https://boostr.example/projects/wrenthread/pocket-loom/posts/9

You're receiving this because you backed Pocket Loom. Manage your notification settings: https://boostr.example/settings/notifications
""")

M(cls=H, cat="service", lang="en", name="utility-outage-notice", prof="sfmc", tz="-0500",
  frm=("Riverside Power & Light", "outages@rpl-energy.example"), to="jdoe@example.com",
  subj="Planned outage at 48 Maple Ct on Thursday 9am-1pm",
  text="""Planned power outage

To upgrade equipment in your neighborhood, we'll need to turn off power at:
48 Maple Ct

Thursday, May 15, 9:00 AM - 1:00 PM (approx.)

Please unplug sensitive electronics. If you rely on powered medical equipment, call us at 1-800-555-0142 so we can help you plan.

We're sorry for the inconvenience.
Riverside Power & Light
""", date="2025-05-12 10:00")

M(cls=H, cat="work", lang="de", name="de-kalender-einladung", prof="ms365", tz="+0100",
  frm=("Petra Lang", "petra.lang@stadtwerke-nord.example"), to="anna.k@example.org",
  subj="Einladung: Abstimmung Barrierefreiheit Kundenportal",
  text="""Hallo Anna,

ich lade dich zu einer kurzen Abstimmung zum Thema Barrierefreiheit im Kundenportal ein (Ergebnisse des Audits).

Wann: Dienstag, 9. Dezember 2025, 10:00-10:45 (Berlin)
Wo: Besprechungsraum 2.07 oder online

Viele Grüße
Petra
""", cal=ics("040000008200E00074C5B7101A82E0080000000090A1B2C3D4E5F601000000000000000010000000@stadtwerke-nord.example",
             "Abstimmung Barrierefreiheit Kundenportal", "20251209T100000", "20251209T104500",
             ("Petra Lang", "petra.lang@stadtwerke-nord.example"), [("Anna K.", "anna.k@example.org")],
             location="Besprechungsraum 2.07", tzid="Europe/Berlin"), date="2025-12-01 14:22")

M(cls=H, cat="newsletter", lang="en", name="language-app-streak", prof="sendgrid", bulk=True, tz="+0000",
  frm=("Lingo Owl", "hello@lingo-owl.example"), to="hannah@mailbox.example",
  subj="🦉 Your 100-day Spanish streak!",
  html=card("Lingo Owl", "#58cc02", "100 days in a row! ¡Increíble!", [
      "Hannah, you've practised Spanish every day for 100 days. You've learned 1,240 words and finished Unit 7.",
      "Keep the streak alive — today's lesson takes about 5 minutes."], button=("Start today's lesson", "https://lingo-owl.example/learn?utm_source=email"),
      footer="Lingo Owl · <a href=\"https://lingo-owl.example/settings/notifications\">Unsubscribe from practice reminders</a>"))

M(cls=H, cat="security", lang="en", name="password-changed-confirmation", prof="postmark", tz="+0000",
  frm=("Dishdash", "accounts@dishdash.example"), to="hannah@mailbox.example",
  subj="Your Dishdash password was changed",
  text="""Hi Hannah,

The password for your Dishdash account was changed on 3 September 2025 at 19:22 (BST).

If you made this change, you're all set.

If you didn't, reset your password from the app straight away and contact us through Help > Account security.

Dishdash
""", date="2025-09-03 19:23")

M(cls=H, cat="personal", lang="es", name="amiga-libro-recomendacion", prof="personal", tz="-0500",
  frm=("Paula Rincón", "paula.rincon@example.com"), to="carmen.lopez@example.net",
  subj="te debo el libro!!", ua=("User-Agent", "Mozilla Thunderbird 128.3.1"),
  text="""Carmencita!

Por fin terminé "Cien años de soledad", perdóname que me demoré tanto con tu libro. Me encantó, aunque lloré con lo de Amaranta jaja.

¿Nos vemos el sábado en el café de siempre y te lo devuelvo? Yo invito.

Besos
Pau
""")

M(cls=H, cat="work", lang="es", name="ci-fallo-tests-es", prof="mailgun", tz="+0100",
  frm=("Integración Continua", "ci@builds.fintrax.example"), to="jgarcia@example.com",
  subj="❌ Falló la compilación #2214 en main (pagos-api)",
  text="""La compilación #2214 de pagos-api en la rama main ha fallado.

Commit: 7c1e0aa «Ajusta redondeo de comisiones» (Laura Benítez)
Etapa fallida: tests (2 de 412 fallaron)

  FAIL comisiones::tests::redondeo_tramos
  FAIL comisiones::tests::comision_minima

Ver detalles: https://builds.fintrax.example/pagos-api/2214

Recibes este aviso porque estás en el grupo de guardia de pagos-api.
""")
