"""Modern spam and phishing in English, written for this corpus. Every link points at
.example/.test/.invalid lookalikes or invented domains; no real brand domain is used."""
from lib import M, fake_pdf
from skins import card, mjml, simple, esc

S = "spam"

# ------------------------------------------------------------------ phishing
M(cls=S, cat="phishing", lang="en", name="bank-account-suspended", prof="botnet", obvious=True,
  frm=("Fernbank Online Security", "security-alert@fernbank-verify.test"), to="alex.morgan@example.com",
  subj="URGENT: Your account has been SUSPENDED - verify within 24 hours",
  html="""<html><body style="font-family:Arial"><div style="max-width:600px;margin:auto;border:1px solid #ccc">
<div style="background:#0f5132;color:#fff;padding:14px;font-size:20px"><b>Fernbank</b></div>
<div style="padding:20px">
<p>Dear Valued Customer,</p>
<p>We have detected <b style="color:red">unusual activity</b> on your online banking account. For your protection, your account access has been <b>temporarily suspended</b>.</p>
<p>To restore full access you must <b>verify your identity within 24 hours</b>. Failure to do so will result in <b>permanent closure</b> of your account and all funds will be frozen.</p>
<p style="text-align:center"><a href="http://fernbank-verify.test/secure/login.php?id=8812&amp;session=a8f7c" style="background:#d00;color:#fff;padding:12px 30px;text-decoration:none;font-weight:bold">VERIFY MY ACCOUNT NOW</a></p>
<p>Thank you for your prompt attention,<br>Fernbank Online Security Department</p>
<p style="font-size:10px;color:#999">This is an automated message. Ref: FB-SEC-77120-UK</p>
</div></div></body></html>""")

M(cls=S, cat="phishing", lang="en", name="parcel-customs-fee", prof="botnet", obvious=True,
  frm=("ParcelWay Delivery", "noreply@parcelway-redelivery.test"), to="priya.n@example.net",
  subj="Your package is on hold: unpaid customs fee (1.99 USD)",
  html="""<html><body><table width="560" align="center" style="font-family:Helvetica,Arial;border:1px solid #eee">
<tr><td style="background:#ff8a00;color:#fff;padding:14px;font-size:22px">ParcelWay</td></tr>
<tr><td style="padding:20px"><p><b>Delivery attempt failed</b></p>
<p>Your package <b>#PW9921004431</b> could not be delivered because a customs fee of <b>$1.99</b> has not been paid.</p>
<p>The package will be returned to the sender if payment is not received within <b>48 hours</b>.</p>
<p><a href="https://bit.example/3xPkgFee" style="background:#222;color:#fff;padding:10px 20px;text-decoration:none">Pay now and reschedule</a></p>
<p style="font-size:11px;color:#888">&copy; 2025 ParcelWay. All rights reserved.</p></td></tr></table></body></html>""")

M(cls=S, cat="phishing", lang="en", name="m365-password-expiry", prof="compromised", relay="webmail.kleinbetrieb-hosting.example", obvious=False,
  frm=("Microsoft 365 Admin", "no-reply@kleinbetrieb-hosting.example"), to="sam@example.org",
  subj="Password Expiry Notice for sam@example.org",
  html="""<html><body style="font-family:Segoe UI,Arial"><div style="width:520px;padding:20px;border:1px solid #ddd">
<img src="https://office-cdn.login-m365secure.test/logo.png" width="108" alt="Microsoft">
<h2 style="font-weight:300">Your password expires today</h2>
<p>The password for <b>sam@example.org</b> expires today <b>12/03/2025</b>.</p>
<p>You can keep using your current password by clicking the button below. If you do nothing, you will be signed out of Outlook, Teams and OneDrive.</p>
<p><a href="https://login-m365secure.test/common/oauth2/?email=sam@example.org" style="background:#0078d4;color:white;padding:10px 22px;text-decoration:none">Keep Same Password</a></p>
<p style="color:#777;font-size:12px">Microsoft Corporation, One Microsoft Way, Redmond, WA</p></div></body></html>""")

M(cls=S, cat="phishing", lang="en", name="mailbox-full-quota", prof="botnet", obvious=True,
  frm=("Mail Administrator", "postmaster@example-org-mailadmin.test"), to="tom.becker@example.org",
  subj="Your mailbox is 99% FULL - incoming messages are being rejected",
  text="""Dear tom.becker@example.org,

Your mailbox storage quota has reached 99% (4.95 GB of 5 GB).

18 incoming messages have been placed on HOLD and will be deleted if your storage is not upgraded.

Click below to increase your mailbox quota to 50 GB FREE of charge:

http://mail-quota-upgrade.test/example.org/?user=tom.becker@example.org

Failure to upgrade within 24 hours will result in the loss of all pending emails.

Regards,
Email Administrator
example.org Mail Server
""")

M(cls=S, cat="phishing", lang="en", name="paypal-lookalike-limited", prof="botnet", obvious=True,
  frm=("PayPaI Service", "service@paypa1-secure.example"), to="jdoe@example.com",
  subj="Your account access has been limited #PP-4471-0093",
  html="""<html><body style="background:#f5f7fa;font-family:Helvetica"><div style="max-width:560px;margin:30px auto;background:#fff;padding:30px">
<div style="font-size:28px;color:#003087;font-weight:bold;font-style:italic">PayPal</div>
<p>Hello Customer,</p>
<p>We noticed some unusual login activity and have <b>limited</b> your account. You will not be able to send or receive money until you confirm your information.</p>
<p>Case ID: PP-4471-0093</p>
<p><a href="http://paypa1-secure.example/webapps/mpp/account-restore?cmd=_login" style="background:#0070ba;color:#fff;padding:12px 30px;border-radius:25px;text-decoration:none">Confirm Now</a></p>
<p>Sincerely,<br>PayPal</p>
<p style="font-size:10px;color:#999">Copyright &copy; 1999-2025 PayPal. All rights reserved.</p></div></body></html>""")

M(cls=S, cat="phishing", lang="en", name="crypto-wallet-seed", prof="esp-abuse", obvious=False,
  frm=("MetaWallet Support", "support@metawallet-sync.test"), to="alex.morgan@example.com",
  subj="Action required: your wallet will be disconnected",
  html=card("MetaWallet", "#f6851b", "Wallet synchronization required", [
      "Dear user,",
      "Due to the latest network upgrade, all wallets that are not synchronized before <b>November 30</b> will be permanently disconnected and funds may be lost.",
      "To keep access to your assets, please validate your wallet by entering your 12-word Secret Recovery Phrase in our secure validation portal.",
      "This process takes less than 2 minutes."], button=("Validate wallet", "https://metawallet-sync.test/validate"),
      footer="MetaWallet © 2025. Do not reply to this email."))

M(cls=S, cat="phishing", lang="en", name="tax-refund-hmrc-like", prof="botnet", obvious=True,
  frm=("HM Revenue Refunds", "refunds@gov-uk-taxrefund.test"), to="hannah@mailbox.example",
  subj="Tax Refund Notification - You are eligible to receive 412.87 GBP",
  html="""<html><body style="font-family:Arial;font-size:14px"><div style="border-left:8px solid #005ea5;padding-left:14px"><b style="font-size:22px">GOV.UK</b></div>
<p>Dear Taxpayer,</p>
<p>After the last annual calculations of your fiscal activity we have determined that you are eligible to receive a tax refund of <b>412.87 GBP</b>.</p>
<p>Please submit the tax refund request and allow us 3-5 business days in order to process it.</p>
<p><a href="http://gov-uk-taxrefund.test/refund/claim.php">Access your refund</a></p>
<p>A refund can be delayed for a variety of reasons. For example submitting invalid records or applying after the deadline.</p>
<p>Reference: 44-81-UT-2025</p></body></html>""")

M(cls=S, cat="phishing", lang="en", name="shared-document-onedrive", prof="compromised", relay="mail.dentalclinic-smiles.example",
  frm=("Karen Webb via OneDrive", "kwebb@dentalclinic-smiles.example"), to="jdoe@example.com",
  subj="Karen Webb shared \"Q4 Payment Remittance.pdf\" with you",
  html="""<html><body style="font-family:Segoe UI,Arial;color:#333"><table width="480" style="border:1px solid #e1e1e1"><tr><td style="padding:24px">
<p style="font-size:18px">Karen Webb shared a file with you</p>
<p>Here's the remittance advice as requested. Please review and confirm.</p>
<table><tr><td style="font-size:30px">📄</td><td><b>Q4 Payment Remittance.pdf</b><br><span style="color:#888">This link will work for anyone.</span></td></tr></table>
<p><a href="https://onedrive-docs-view.test/s!AkXyZ0/remittance?e=jdoe@example.com" style="background:#0078d4;color:#fff;padding:8px 18px;text-decoration:none">Open</a></p>
<p style="font-size:11px;color:#999">Microsoft respects your privacy. To learn more, please read our Privacy Statement.</p></td></tr></table></body></html>""")

M(cls=S, cat="phishing", lang="en", name="apple-id-locked", prof="botnet",
  frm=("Apple Support", "noreply-appleid@id-apple-unlock.invalid"), to="priya.n@example.net",
  subj="Your Apple ID has been locked for security reasons",
  text="""Dear Customer,

Your Apple ID was used to sign in to iCloud on an unknown device (Windows PC, Moscow, Russia).

Because of this your Apple ID has been locked. To unlock your account please confirm your information:

https://id-apple-unlock.invalid/verify?id=priya.n%40example.net

If you do not verify within 48 hours your Apple ID will be permanently disabled.

Apple Support
""")

M(cls=S, cat="phishing", lang="en", name="netflix-payment-failed", prof="esp-abuse",
  frm=("Reelhouse", "billing@reelhouse-billing-update.test"), to="hannah@mailbox.example",
  subj="We couldn't process your payment - update now to avoid interruption",
  html=card("REELHOUSE", "#e50914", "Your membership is on hold", [
      "Hi,", "We're having some trouble with your current billing information. We'll try again, but in the meantime you may want to update your payment details.",
      "If we don't receive payment within 24 hours, your membership will be cancelled."], button=("Update payment", "https://reelhouse-billing-update.test/account/payment"),
      footer="Questions? Call 1-866-000-0000"))

M(cls=S, cat="phishing", lang="en", name="docusign-fake-contract", prof="compromised", relay="mail.roofing-bros.example",
  frm=("DocuSign", "dse@roofing-bros.example"), to="tom.becker@example.org",
  subj="Please DocuSign: Final_Agreement_2025.pdf",
  html="""<html><body style="background:#eaeaea;font-family:Helvetica"><table width="560" align="center" style="background:#fff"><tr><td style="background:#1e4ca1;color:#fff;padding:30px;text-align:center">
<p style="font-size:18px">Hillcrest Properties sent you a document to review and sign.</p>
<a href="https://docusign-envelope.test/Signing/?ti=7a1c" style="background:#ffc423;color:#000;padding:10px 26px;text-decoration:none;font-weight:bold">REVIEW DOCUMENT</a></td></tr>
<tr><td style="padding:24px">Please review and sign the final agreement at your earliest convenience.<br><br>Thank you,<br>Hillcrest Properties</td></tr>
<tr><td style="padding:12px 24px;font-size:11px;color:#666">Do Not Share This Email. This email contains a secure link to DocuSign.</td></tr></table></body></html>""")

M(cls=S, cat="phishing", lang="en", name="dhl-lookalike-plain-shortener", prof="botnet", obvious=True,
  frm=("DHL Express", "dhl@dhl-express-tracking.test"), to="jdoe@example.com",
  subj="DHL: Shipment Notification - Action Required",
  text="""Dear Customer,

Your shipment AWB 7788 1203 99 is pending due to incomplete address information.

Please confirm your address and pay the redelivery fee (2,99 EUR) here: https://tinyurl.example/dhl-redeliver99

If you fail to confirm within 2 days your parcel will be returned.

DHL Express Customer Service
""")

M(cls=S, cat="phishing", lang="en", name="voicemail-html-attachment", prof="botnet",
  frm=("Voice Mail System", "voicemail@example-org-pbx.test"), to="sam@example.org",
  subj="New Voicemail from +1 (415) 555-0199 - Duration 00:47",
  text="""You received a new voice message.

From: +1 (415) 555-0199
Duration: 00:47
Date: Today

Open the attached audio file to listen.
""", attach=[("VM_Message_0047.html", "text/html", b"<html><script>window.location='https://voice-portal-login.test/?u='+btoa('sam@example.org')</script></html>")])

# ------------------------------------------------------------------ advance fee / lottery
M(cls=S, cat="advance-fee", lang="en", name="419-inheritance-barrister", prof="freemail", obvious=True,
  frm=("Barrister James Okonkwo", "barr.james.okonkwo@freemail-inbox.test"), to="alex.morgan@example.com",
  reply_to="jamesokonkwochambers@mailservice.invalid",
  subj="URGENT BUSINESS PROPOSAL - CONFIDENTIAL",
  text="""Dear Friend,

I am Barrister James Okonkwo, a personal attorney to late Engr. Robert Morgan, a foreign contractor who died along with his wife and only daughter in a car accident in 2019. He left behind the sum of $10,500,000.00 (TEN MILLION FIVE HUNDRED THOUSAND UNITED STATES DOLLARS) in a bank here.

Since you bear the same surname with my late client, I want to present you as the next of kin so that the funds can be released to you. We will share the money 50% for me and 40% for you, and 10% for any expenses incurred.

This transaction is 100% risk free. Please reply with your full name, address, telephone number and occupation for more details.

Please keep this strictly confidential.

Yours faithfully,
Barrister James Okonkwo (Esq.)
""")

M(cls=S, cat="advance-fee", lang="en", name="419-widow-charity", prof="freemail", obvious=True,
  frm=("Mrs. Helen Carter", "helencarter.1958@freemail-inbox.test"), to="jdoe@example.com",
  subj="Please I need your help to fulfil my late husband wish",
  text="""Dearest in the Lord,

I am Mrs. Helen Carter, a widow suffering from long time cancer of the breast. My doctor told me I will not last more than 2 months. My late husband deposited the sum of USD 4.8 Million with a finance company and I have decided to donate it to a God fearing person who will use it for charity work, orphanages and widows.

Please contact my lawyer with your full name, country, age and phone number so he can commence the transfer of the fund to you immediately.

Remain blessed,
Mrs. Helen Carter
""")

M(cls=S, cat="lottery", lang="en", name="lottery-winner-notification", prof="botnet", obvious=True,
  frm=("International Lottery Commission", "claims@intl-lotto-award.test"), to="priya.n@example.net",
  subj="CONGRATULATIONS!!! You have WON $1,500,000.00 USD",
  html="""<html><body style="font-family:Times New Roman"><center><h1 style="color:#c00">CONGRATULATIONS WINNER!!!</h1>
<p>Your email address was selected in our <b>ANNUAL INTERNATIONAL EMAIL LOTTERY PROGRAM</b> and has won the sum of <b style="font-size:22px">$1,500,000.00 USD</b>.</p>
<p>Ticket No: 7701-229-88 &nbsp; Serial No: ILC/0091/25 &nbsp; Lucky Numbers: 08-14-22-31-45</p>
<p>To claim your prize contact our claims agent <b>Dr. Paul Wilson</b> immediately with your: Full Name, Address, Phone, Age, Occupation.</p>
<p>Email: <a href="mailto:claims.paulwilson@mailservice.invalid">claims.paulwilson@mailservice.invalid</a></p>
<p><i>Note: all winnings must be claimed within 14 days or they will be returned to the treasury.</i></p></center></body></html>""")

M(cls=S, cat="lottery", lang="en", name="survey-reward-prize", prof="esp-abuse", obvious=True,
  frm=("Customer Rewards", "rewards@prize-survey-center.test"), to="hannah@mailbox.example",
  subj="🎁 Hannah, you've been selected! Claim your reward (expires today)",
  html="""<html><body style="text-align:center;font-family:Arial;background:#fffbe6">
<h1 style="color:#e60000">YOU'VE BEEN SELECTED!</h1>
<p style="font-size:18px">Complete our 30-second survey and claim your <b>FREE iPhone 16 Pro</b>!</p>
<p>Only <b style="color:red">3 rewards left</b> in your area. Offer expires <b>TODAY</b>.</p>
<a href="https://prize-survey-center.test/r/?uid=h4nn4h" style="background:#28a745;color:#fff;font-size:22px;padding:14px 40px;border-radius:8px;text-decoration:none">CLAIM NOW &gt;&gt;</a>
<p style="font-size:9px;color:#aaa;margin-top:60px">You received this because you are subscribed. To stop receiving, write to 1990 Nowhere Rd, Suite 0, Wilmington DE.</p>
</body></html>""")

# ------------------------------------------------------------------ crypto / investment
M(cls=S, cat="crypto-scam", lang="en", name="bitcoin-trading-bot-returns", prof="esp-abuse", obvious=True,
  frm=("Elite Crypto Signals", "vip@elitecrypto-signals.test"), to="tom.becker@example.org",
  subj="This AI bot turned $250 into $14,822 in 9 days (proof inside)",
  html=mjml("EliteCrypto", "#f7931a", "AI trading", [
      ("h", "Make $1,000+ per day on autopilot"),
      "Our AI trading bot uses <b>quantum algorithms</b> to trade Bitcoin 24/7. Members made an average <b>+5,829%</b> last month.",
      "✅ Guaranteed profits<br>✅ No experience needed<br>✅ Withdraw any time",
      "Only 50 spots left this week. Minimum deposit just $250.",
      ("btn", "START EARNING NOW", "https://elitecrypto-signals.test/join?ref=em2291"),
  ], footer="Trading involves risk. Results not typical. Unsubscribe"))

M(cls=S, cat="crypto-scam", lang="en", name="celebrity-investment-news", prof="botnet",
  frm=("Finance Daily News", "news@finance-dailybrief.test"), to="jdoe@example.com",
  subj="BREAKING: Famous billionaire reveals the 'loophole' banks don't want you to know",
  html="""<html><body style="font-family:Georgia;max-width:600px"><p style="color:#c00;font-weight:bold">BREAKING NEWS</p>
<h2>Billionaire Shocks Live TV Audience: "Anyone Can Earn $3,000 a Day With This"</h2>
<img src="https://img.finance-dailybrief.test/tv-studio.jpg" width="580">
<p>During a live interview, the tech billionaire revealed a new platform that he says will "make everyone rich". The central bank tried to stop the broadcast...</p>
<p><a href="https://is.example/Xk29aB">READ THE FULL STORY &raquo;</a></p></body></html>""")

M(cls=S, cat="crypto-scam", lang="en", name="crypto-giveaway-double", prof="botnet", obvious=True,
  frm=("Crypto Giveaway Event", "event@btc-doubler-event.test"), to="alex.morgan@example.com",
  subj="Official 5,000 BTC Giveaway - send 0.1 receive 0.2 BTC back",
  text="""OFFICIAL BITCOIN GIVEAWAY EVENT

To celebrate our 10th anniversary we are giving away 5,000 BTC to our community!

Rules:
Send between 0.1 BTC and 20 BTC to the address below and we will immediately send back DOUBLE the amount.

Address: bc1qx7u9k2e4m8zw0p3n6yt5h8g2d4s0a9c7f1r3qv

You send 0.5 BTC -> you receive 1.0 BTC
You send 2 BTC -> you receive 4 BTC

Giveaway ends in 3 hours! Hurry!
""")

M(cls=S, cat="crypto-scam", lang="en", name="pig-butchering-wrong-number", prof="freemail",
  frm=("Lily Chen", "lily.chen.888@freemail-inbox.test"), to="sam@example.org",
  subj="Hi is this David?",
  text="""Hi David, is this still your email? It's Lily from the wine tasting last month. I wanted to send you the info about the investment platform my uncle uses, he made 30% last quarter with the gold arbitrage.

Oh sorry, maybe I have the wrong email? Anyway nice to meet you :) I'm Lily, I live in San Francisco and work in fashion import. Where are you from?
""")

# ------------------------------------------------------------------ fake invoice / BEC
M(cls=S, cat="fake-invoice", lang="en", name="invoice-overdue-link", prof="compromised", relay="smtp.plumbing-pros-ltd.example",
  frm=("Accounts Receivable", "accounts@plumbing-pros-ltd.example"), to="tom.becker@example.org",
  subj="RE: Overdue Invoice #INV-008812 - Final Notice",
  text="""Hello,

Please find the overdue invoice below. This is the final notice before we pass the account to collections.

View invoice: https://docs-invoice-portal.test/view/INV-008812

Amount due: $4,870.00

Kind regards,
Accounts Receivable
""")

M(cls=S, cat="fake-invoice", lang="en", name="geek-squad-renewal", prof="freemail", obvious=False,
  frm=("Geek Support Billing", "geeksupport.billing.dept@freemail-inbox.test"), to="jdoe@example.com",
  subj="Your order #GS-88120 has been processed - $499.99 charged",
  html="""<html><body style="font-family:Arial"><h2 style="color:#ff6600">GEEK SUPPORT</h2>
<p>Dear Customer,</p>
<p>Thank you for renewing your <b>Total Protection Plan (3 years)</b>. The amount of <b>$499.99</b> has been charged to your account.</p>
<table border="1" cellpadding="6" style="border-collapse:collapse"><tr><td>Invoice</td><td>GS-88120</td></tr><tr><td>Product</td><td>Total Protection 3Y</td></tr><tr><td>Amount</td><td>$499.99</td></tr></table>
<p>If you did not authorize this charge or want to cancel and get a <b>REFUND</b>, call our billing department immediately:</p>
<p style="font-size:22px"><b>+1 (888) 555-0147</b></p>
<p>Refund requests must be made within 24 hours.</p></body></html>""")

M(cls=S, cat="fake-invoice", lang="en", name="ceo-wire-transfer", prof="freemail",
  frm=("Sarah Whitfield", "s.whitfield.ceo@freemail-inbox.test"), to="alex.morgan@example.com",
  subj="Quick favor",
  text="""Alex,

Are you at your desk? I need you to handle a wire transfer for a vendor today, it's urgent and confidential. I'm in meetings all afternoon so email only.

Let me know and I'll send the details.

Sarah

Sent from my iPhone
""")

M(cls=S, cat="fake-invoice", lang="en", name="invoice-attachment-zip-lure", prof="botnet",
  frm=("Billing Department", "billing@invoices-online-portal.test"), to="sam@example.org",
  subj="Invoice 77120 attached",
  text="""Dear customer,

Attached is your invoice 77120 for services rendered. Payment is due within 7 days.

Password for the document: 7712

Best regards
""", attach=[("Invoice_77120.pdf", "application/pdf", fake_pdf(["INVOICE 77120", "Click here to view the full invoice:", "https://invoices-online-portal.test/d/77120", "Amount due: USD 2,340.00"]))])

# ------------------------------------------------------------------ sextortion
M(cls=S, cat="sextortion", lang="en", name="sextortion-bitcoin", prof="botnet", obvious=True,
  frm=("", "tom.becker@example.org"), to="tom.becker@example.org",
  subj="tom.becker@example.org - your account has been hacked",
  text="""Hello!

I am a hacker who has access to your operating system. I also have full access to your account.

I've been watching you for a few months now. The fact is that you were infected with malware through an adult site that you visited.

I made a video showing both you and what you were watching. With one click of the mouse I can send this video to all your emails and contacts on social networks.

If you want to prevent this, transfer the amount of $1450 to my bitcoin address (if you do not know how to do this, write to Google: "Buy Bitcoin").

My bitcoin address (BTC Wallet) is: 1Kx9vT4mQ2pZr8YbN3wL6cJ5hD7sA0eFgU

After receiving the payment, I will delete the video and you will never hear from me again. I give you 48 hours to pay. I have a notification for reading this letter, and the timer will work when you see this letter.

Filing a complaint somewhere does not make sense because this email cannot be tracked like my bitcoin address. I do not make any mistakes.
""")

M(cls=S, cat="sextortion", lang="en", name="sextortion-password-leak", prof="botnet", obvious=True,
  frm=("Anonymous", "hack3r@mailservice.invalid"), to="alex.morgan@example.com",
  subj="Security Alert. Your password is: Summer2019!",
  text="""I know Summer2019! is your password. You don't know me but I know you very well.

I placed a malware on the porn website and you visited it. While you were watching videos, your web browser started working as a RDP and keylogger which gave me access to your display and webcam.

Let's get directly to the point. I want $1900 in BTC. Wallet: bc1q9d8f7g6h5j4k3l2m1n0p9o8i7u6y5t4r3e2w1q

You have 1 day to make the payment. If I don't get the Bitcoins, I will definitely send your video recording to all of your contacts.
""")

# ------------------------------------------------------------------ pharma
M(cls=S, cat="pharma", lang="en", name="pharma-cheap-meds", prof="botnet", obvious=True,
  frm=("Canadian Pharmacy", "orders@cheap-meds-rx.test"), to="jdoe@example.com",
  subj="V1AGRA & C1AL1S from $0.89 per pill - NO PRESCRIPTION",
  html="""<html><body style="font-family:Verdana"><table width="500" align="center" style="border:3px solid #090"><tr><td style="padding:16px;text-align:center">
<h1 style="color:#090">CANADIAN PHARMACY</h1><p><b>Best prices on the internet!</b></p>
<table width="100%" style="font-size:14px"><tr><td>Viagra 100mg</td><td>$0.89/pill</td></tr><tr><td>Cialis 20mg</td><td>$1.05/pill</td></tr><tr><td>Tramadol 50mg</td><td>$1.20/pill</td></tr><tr><td>Xanax 2mg</td><td>$2.10/pill</td></tr></table>
<p>✔ No prescription needed ✔ Discreet packaging ✔ Worldwide shipping ✔ 100% satisfaction</p>
<p><a href="http://cheap-meds-rx.test/?aff=4471" style="font-size:20px;color:#fff;background:#090;padding:10px 30px;text-decoration:none">ORDER NOW</a></p></td></tr></table></body></html>""")

M(cls=S, cat="pharma", lang="en", name="weight-loss-gummies", prof="esp-abuse", obvious=True,
  frm=("KetoSlim Official", "offers@ketoslim-gummies.test"), to="hannah@mailbox.example",
  subj="Doctors HATE this: lose 23 lbs in 14 days without diet",
  html="""<html><body style="font-family:Arial;text-align:center"><h2>Shocking Discovery Melts Belly Fat Overnight</h2>
<img src="https://ketoslim-gummies.test/img/before-after.jpg" width="400">
<p>"I lost 23 lbs in just 2 weeks without changing my diet!" – Jennifer, 46</p>
<p><b>Order today and get 3 bottles FREE + free shipping</b></p>
<a href="https://ketoslim-gummies.test/order?src=em" style="background:#ff3366;color:#fff;padding:14px 36px;text-decoration:none;font-size:20px">RUSH MY ORDER</a>
<p style="font-size:9px;color:#999">These statements have not been evaluated by the FDA. <a href="https://ketoslim-gummies.test/unsub">unsubscribe</a></p></body></html>""")

M(cls=S, cat="pharma", lang="en", name="male-enhancement-plain", prof="botnet",
  frm=("Dr. Mark", "drmark@enhance-natural.test"), to="sam@example.org",
  subj="she will notice the difference tonight",
  text="""Hi,

Natural formula, clinically proven, 3x stronger performance. No prescription, no doctor visits, no embarrassment.

Limited time: buy 2 get 1 free.

http://enhance-natural.test/go/?id=771

To be removed reply REMOVE.
""")

# ------------------------------------------------------------------ dating
M(cls=S, cat="dating", lang="en", name="dating-lonely-women-nearby", prof="esp-abuse", obvious=True,
  frm=("Anna (26)", "anna@hot-singles-nearby.test"), to="jdoe@example.com",
  subj="Anna sent you 3 private photos 🔥",
  html="""<html><body style="font-family:Arial;background:#111;color:#fff;text-align:center;padding:30px">
<p style="font-size:20px">Hey babe 😘 I saw your profile and I want to meet you tonight!</p>
<p>I'm only 2 miles away from you. I've sent you 3 private photos.</p>
<img src="https://hot-singles-nearby.test/blur/anna1.jpg" width="200" style="filter:blur(8px)">
<p><a href="https://hot-singles-nearby.test/m/?u=jdoe" style="background:#e91e63;color:#fff;padding:12px 30px;border-radius:30px;text-decoration:none">SEE PHOTOS (18+)</a></p>
<p style="font-size:9px;color:#777">You got this email because you signed up on a partner site. Unsubscribe.</p></body></html>""")

M(cls=S, cat="dating", lang="en", name="romance-soldier", prof="freemail",
  frm=("Sgt. Michael Brooks", "michael.brooks.usarmy@freemail-inbox.test"), to="hannah@mailbox.example",
  subj="hello dear",
  text="""Hello dear,

How are you doing today? I hope this message meets you well. My name is Sgt Michael Brooks, I am a US soldier on peace keeping mission in Syria. I came across your profile and I must confess you look so beautiful and I would like to know you better.

I am a widower with one daughter, Emily, 9 years. I am looking for an honest and caring woman to spend the rest of my life with.

Please write me back so we can know more about each other.

Yours,
Michael
""")

# ------------------------------------------------------------------ SEO / B2B junk
M(cls=S, cat="seo", lang="en", name="seo-first-page-google", prof="freemail",
  frm=("Rahul Sharma", "rahul.seo.expert99@freemail-inbox.test"), to="sam@example.org",
  subj="Re: Website Ranking Proposal",
  text="""Hi,

I was checking your website and noticed that it is not ranking on the first page of Google for many important keywords. I can also see some errors that are affecting your SEO.

We are a team of 40+ SEO experts and we can bring your website on the 1st page of Google, Yahoo and Bing with guaranteed results.

Can I send you a free audit report and a proposal?

Thanks & Regards,
Rahul Sharma
Sr. SEO Consultant

If you don't want me to contact you again, reply "No".
""")

M(cls=S, cat="seo", lang="en", name="guest-post-link-building", prof="freemail",
  frm=("Emma Collins", "emma.outreach.team@freemail-inbox.test"), to="alex.morgan@example.com",
  subj="Collaboration opportunity for your blog",
  text="""Hello there,

I hope you're doing well! I came across your amazing blog and really enjoyed your content.

I'd like to contribute a high-quality, 100% unique guest post to your site. In return I would include one do-follow link to my client's website (casino/crypto niche). We can also pay $50 for the placement.

Looking forward to hearing from you!

Best,
Emma Collins
Outreach Manager
""")

M(cls=S, cat="seo", lang="en", name="b2b-lead-list", prof="compromised", relay="mail.growth-leads-co.example",
  frm=("Jessica Miller", "jessica@growth-leads-co.example"), to="tom.becker@example.org",
  subj="Attendees list - Web Summit 2025",
  text="""Hi,

Would you be interested in acquiring the attendees list of Web Summit 2025?

Attendees count: 71,402
Info fields: Name, Title, Company, Email, Phone, Website, Country

Let me know if you'd like to see pricing and a sample.

Regards,
Jessica Miller
Marketing Coordinator

Reply "Not interested" to opt out.
""")

M(cls=S, cat="seo", lang="en", name="domain-expiry-scam", prof="botnet", obvious=False,
  frm=("Domain Service Notice", "notice@domain-registry-services.test"), to="sam@example.org",
  subj="FINAL NOTICE: Domain example.org - SEO Search Engine Submission Expiration",
  text="""Attention: Domain Owner
Domain: example.org

FINAL NOTICE - EXPIRATION NOTIFICATION

Your domain SEO submission will expire on 12/10/2025. Failure to complete your search engine optimization submission by the expiration date may result in the cancellation of this offer, making it difficult for your customers to locate you.

Secure online payment: https://domain-registry-services.test/pay/?d=example.org

Annual plan: $86.00

This is not a bill. This is an optional offer. You are under no obligation to pay unless you accept this offer.
""")

# ------------------------------------------------------------------ job scams / gift cards
M(cls=S, cat="job-scam", lang="en", name="job-remote-data-entry", prof="freemail", obvious=False,
  frm=("HR Recruitment Team", "hr.recruitment.global@freemail-inbox.test"), to="priya.n@example.net",
  subj="Job Offer: Remote Data Entry - $45/hour, no experience needed",
  text="""Dear Candidate,

Your resume has been reviewed and you have been selected for a REMOTE DATA ENTRY position with our company.

Salary: $45 per hour (weekly payment)
Hours: flexible, 2-3 hours per day from home
No experience needed - training provided

To proceed, please reply with your full name, address, phone number and a copy of your ID. We will send you a check to purchase the equipment from our approved vendor.

Hurry, only a few positions are left!

HR Department
""")

M(cls=S, cat="job-scam", lang="en", name="job-package-reshipping", prof="esp-abuse",
  frm=("Global Logistics Careers", "careers@globallogistics-careers.test"), to="jdoe@example.com",
  subj="Quality Control Inspector (work from home) - start this week",
  text="""Hello,

We are hiring Quality Control Inspectors in your area. You will receive packages at home, check their contents, take photos and reship them to our clients with the labels we provide.

Salary: $3,200/month + bonus per package
Start immediately. No interview required.

Apply here in 2 minutes: https://globallogistics-careers.test/apply

Best regards,
Recruitment Team
""")

M(cls=S, cat="gift-card", lang="en", name="gift-card-boss-request", prof="freemail",
  frm=("David Ellis", "david.ellis.office@freemail-inbox.test"), to="hannah@mailbox.example",
  subj="Are you available?",
  text="""Hi Hannah,

I need you to get some gift cards for a client appreciation, I'll reimburse you later today. 5 x $100 Apple gift cards. Scratch the back and send me pictures of the codes.

I'm in a conference and can't talk right now, just reply by email.

Thanks
David
""")

M(cls=S, cat="gift-card", lang="en", name="walmart-gift-card-winner", prof="esp-abuse", obvious=True,
  frm=("Walmart Rewards", "rewards@wal-mart-giftcards.test"), to="alex.morgan@example.com",
  subj="Your $500 Walmart Gift Card is waiting ⏰ Confirm receipt",
  html="""<html><body style="font-family:Arial;text-align:center"><div style="background:#0071ce;color:#fff;padding:20px;font-size:26px">Walmart Rewards</div>
<h2>Congratulations! You've received a $500 Gift Card</h2>
<p>You have been chosen to participate in our loyalty program. Answer 3 quick questions to receive your gift card.</p>
<a href="https://wal-mart-giftcards.test/claim?id=al3x" style="background:#ffc220;color:#000;padding:14px 30px;font-weight:bold;text-decoration:none">CONFIRM NOW</a>
<p style="font-size:10px;color:#888">This promotion is not affiliated with any retailer.</p></body></html>""")

# ------------------------------------------------------------------ bulk junk / image-only / misc
M(cls=S, cat="bulk-junk", lang="en", name="solar-panels-free", prof="esp-abuse",
  frm=("Solar Savings Program", "info@solar-savings-program.test"), to="jdoe@example.com",
  subj="Homeowners: the government will PAY for your solar panels",
  html="""<html><body style="font-family:Arial;max-width:600px"><h2 style="color:#f39c12">New 2025 Solar Program</h2>
<p>Homeowners in your zip code may qualify for <b>$0 down solar installation</b> under the new federal program.</p>
<p>Check if your address qualifies in 60 seconds &#8594; <a href="https://solar-savings-program.test/check">Check eligibility</a></p>
<p style="font-size:9px;color:#999">To stop receiving these messages click <a href="https://solar-savings-program.test/remove">here</a> or write to PO Box 00, Miami FL.</p></body></html>""")

M(cls=S, cat="bulk-junk", lang="en", name="car-warranty-final", prof="botnet", obvious=True,
  frm=("Vehicle Services Dept", "notice@auto-warranty-center.test"), to="sam@example.org",
  subj="FINAL ATTEMPT: Your vehicle warranty is about to EXPIRE",
  text="""*** FINAL NOTICE ***

Our records indicate that your vehicle's factory warranty has expired or is about to expire.

Act NOW to activate extended coverage before it's too late. Save up to 60% on repairs.

Call 1-800-555-0177 or visit http://auto-warranty-center.test/activate

This is your final notification.
""")

M(cls=S, cat="image-only", lang="en", name="image-only-pharma", prof="botnet", obvious=True,
  frm=("", "mail@rx-deals-today.test"), to="priya.n@example.net",
  subj="Re: your order",
  html="""<html><body><a href="http://rx-deals-today.test/?r=8812"><img src="http://rx-deals-today.test/img/offer_8812.jpg" width="600" height="800" border="0"></a></body></html>""")

M(cls=S, cat="image-only", lang="en", name="image-only-inline-cid", prof="botnet",
  frm=("Special Offer", "offers@deal-blast-mail.test"), to="tom.becker@example.org",
  subj="Limited offer for you",
  html="""<html><body><center><a href="https://s.example/9xQ2"><img src="cid:offer01@deal" width="580" alt=""></a></center></body></html>""",
  inline_img="offer01@deal")

M(cls=S, cat="bulk-junk", lang="en", name="mlm-work-from-home", prof="freemail",
  frm=("Tiffany", "tiffany.bossbabe@freemail-inbox.test"), to="hannah@mailbox.example",
  subj="hey girl!! 💕 quick question",
  text="""Hey hun!! 💕

I know this is random but I've been thinking about you! I just started this AMAZING opportunity and I'm already making $2k a month from my phone 📱✨

I'm looking for a few motivated mamas to join my team. Would you be open to hearing more?? No pressure!! 😘

xoxo Tiffany
""")

M(cls=S, cat="phishing", lang="en", name="ups-lookalike-qr", prof="botnet",
  frm=("UPS My Choice", "mychoice@ups-delivery-notice.test"), to="alex.morgan@example.com",
  subj="Delivery Exception - scan the QR code to reschedule",
  html="""<html><body style="font-family:Arial"><div style="background:#351c15;color:#ffb500;padding:12px;font-size:22px;font-weight:bold">UPS</div>
<p>We were unable to deliver your package today. To schedule a new delivery, scan the QR code below with your phone.</p>
<img src="https://ups-delivery-notice.test/qr/7781.png" width="180" height="180">
<p>Tracking: 1Z 999 AA1 01 2345 6784</p></body></html>""")

M(cls=S, cat="phishing", lang="en", name="amazon-order-cancel-phone", prof="botnet",
  frm=("Amaz0n Orders", "order-update@amaz0n-support.test"), to="jdoe@example.com",
  subj="Order Confirmation #112-9981120-44: iPhone 15 Pro Max ($1,299.00)",
  text="""Hello,

Thank you for your order. Your order #112-9981120-44 of Apple iPhone 15 Pro Max 256GB ($1,299.00) will be delivered to:

Kevin Harris
1802 Oak Street
Houston, TX

If you did not place this order, call our fraud department immediately at +1 (844) 555-0162 to cancel and receive a full refund.
""")

M(cls=S, cat="phishing", lang="en", name="linkedin-lookalike-message", prof="esp-abuse",
  frm=("LinkedIn", "messages-noreply@linkedln-mail.test"), to="tom.becker@example.org",
  subj="You have 4 new messages from recruiters",
  html=card("LinkedIn", "#0a66c2", "You have 4 new messages", [
      "Tom, recruiters are trying to reach you about new opportunities.", "Sign in to read your messages before they expire."],
      button=("View messages", "https://linkedln-mail.test/login?session=expired&u=tom"),
      footer="This email was intended for Tom Becker. © 2025 LinkedIn Corporation"))

M(cls=S, cat="phishing", lang="en", name="webmail-upgrade-form", prof="compromised", relay="mail.university-alumni-assoc.example",
  frm=("IT Help Desk", "helpdesk@university-alumni-assoc.example"), to="priya.n@example.net",
  subj="IT Notice: Mandatory email upgrade - verify account",
  text="""Dear User,

Our email system is being upgraded to a new version. All users must verify their accounts to avoid deactivation.

CLICK HERE TO VERIFY: https://forms-verify-portal.test/r/upgrade

Failure to verify within 24 hours will result in your account being suspended.

IT Help Desk
""")

M(cls=S, cat="crypto-scam", lang="en", name="crypto-exchange-withdraw-pending", prof="botnet", obvious=True,
  frm=("Coinbase Support", "support@coinbase-withdrawals.test"), to="sam@example.org",
  subj="Withdrawal of 0.8421 BTC pending - confirm or cancel",
  html="""<html><body style="font-family:Arial"><div style="color:#0052ff;font-size:24px;font-weight:bold">coinbase</div>
<p>A withdrawal request of <b>0.8421 BTC (~$51,220.00)</b> was made from your account to the address <code>bc1q7h2k...9x3m</code>.</p>
<p>If you did NOT make this request, cancel it immediately and secure your account:</p>
<p><a href="https://coinbase-withdrawals.test/cancel?tx=88a1" style="background:#0052ff;color:#fff;padding:10px 24px;text-decoration:none;border-radius:4px">Cancel withdrawal</a></p>
<p>Or call our 24/7 security line: +1 (888) 555-0133</p></body></html>""")

# ------------------------------------------------------------------ more, incl. other languages
M(cls=S, cat="phishing", lang="fr", name="fr-ameli-remboursement", prof="botnet", obvious=True,
  frm=("Assurance Maladie", "remboursement@ameli-remboursement-fr.test"), to="claire.dubois@example.fr",
  subj="Remboursement en attente : 147,80 EUR - action requise",
  html="""<html><body style="font-family:Arial"><div style="color:#0c419a;font-size:22px;font-weight:bold">l'Assurance Maladie</div>
<p>Madame, Monsieur,</p><p>Après vérification de vos derniers actes médicaux, vous êtes éligible à un <b>remboursement de 147,80 EUR</b>.</p>
<p>Afin de recevoir votre remboursement, veuillez mettre à jour vos coordonnées bancaires sous <b>48 heures</b>.</p>
<p><a href="http://ameli-remboursement-fr.test/espace/remboursement.php" style="background:#0c419a;color:#fff;padding:10px 24px;text-decoration:none">Recevoir mon remboursement</a></p></body></html>""")

M(cls=S, cat="phishing", lang="de", name="de-sparkasse-pushtan", prof="botnet", obvious=True,
  frm=("Sparkasse Kundenservice", "kundenservice@sparkasse-pushtan-update.test"), to="jonas.weber@example.de",
  subj="Wichtig: Ihr pushTAN-Verfahren muss aktualisiert werden",
  text="""Sehr geehrte Kundin, sehr geehrter Kunde,

aufgrund neuer EU-Richtlinien (PSD2) muss Ihr pushTAN-Verfahren bis zum 30.11. aktualisiert werden. Andernfalls wird Ihr Online-Banking-Zugang aus Sicherheitsgründen gesperrt.

Jetzt aktualisieren: https://sparkasse-pushtan-update.test/login

Mit freundlichen Grüßen
Ihr Sparkassen-Kundenservice
""")

M(cls=S, cat="phishing", lang="pt", name="pt-receita-federal-pendencia", prof="botnet", obvious=True,
  frm=("Receita Federal", "notificacao@receita-regularizacao.test"), to="beatriz.souza@example.com.br",
  subj="Pendência no seu CPF - regularize em até 24h para evitar bloqueio",
  html="""<html><body style="font-family:Arial"><p><b>RECEITA FEDERAL DO BRASIL</b></p>
<p>Prezado(a) contribuinte,</p><p>Identificamos uma <b>pendência</b> na sua declaração. Seu CPF poderá ser <b>BLOQUEADO</b> caso não regularize em até 24 horas.</p>
<p><a href="https://encurta.example/rf-cpf">Clique aqui para regularizar</a></p></body></html>""")

M(cls=S, cat="advance-fee", lang="en", name="un-compensation-fund", prof="freemail", obvious=True,
  frm=("United Nations Compensation Unit", "un.compensation.office@freemail-inbox.test"), to="sam@example.org",
  reply_to="uncompensationdesk@mailservice.invalid",
  subj="ATTN: Your Compensation Payment of $2,500,000.00 Has Been Approved",
  text="""ATTENTION BENEFICIARY,

This is to inform you that the United Nations in conjunction with the World Bank has approved the payment of your compensation fund of $2,500,000.00 USD as a victim of scam.

Your payment will be released to you via ATM CARD. To receive it, you are required to pay the delivery fee of $250 only.

Send the following information: Full name, Home address, Phone number, Copy of ID.

Contact Dr. Williams Johnson immediately.

Regards,
Mrs. Mary Stevens
UN Compensation Unit
""")

M(cls=S, cat="crypto-scam", lang="en", name="crypto-recovery-service", prof="esp-abuse",
  frm=("Asset Recovery Experts", "cases@crypto-recovery-pros.test"), to="priya.n@example.net",
  subj="Lost crypto to a scam? We recovered $48M for victims last year",
  text="""Have you been scammed by a fake investment platform?

Our certified blockchain forensic experts can trace and RECOVER your stolen funds. 97% success rate. No recovery, no fee*.

Open a free case today: https://crypto-recovery-pros.test/case

*An initial assessment fee applies.

To unsubscribe reply STOP.
""")

M(cls=S, cat="phishing", lang="en", name="hr-payroll-update-docx", prof="compromised", relay="mail.school-district-17.example",
  frm=("Human Resources", "payroll@school-district-17.example"), to="alex.morgan@example.com",
  subj="ACTION REQUIRED: Q1 salary adjustment - review and acknowledge",
  html="""<html><body style="font-family:Calibri,Arial"><p>Hello alex.morgan,</p>
<p>As part of the annual compensation review, your salary adjustment letter has been published. Please review and acknowledge before Friday so the change is included in the next payroll.</p>
<p><a href="https://hr-portal-docs.test/sharepoint/salary-adjustment?u=alex.morgan@example.com">View Salary_Adjustment_Q1.docx</a></p>
<p>HR Department</p></body></html>""")

M(cls=S, cat="bulk-junk", lang="en", name="no-unsubscribe-promo-blast", prof="botnet", obvious=True,
  frm=("BEST DEALS", "deals@super-deals-blast.test"), to="jdoe@example.com",
  subj="!!! 90% OFF EVERYTHING !!! LAST CHANCE !!! FREE SHIPPING !!!",
  html="""<html><body style="text-align:center;font-family:Impact,Arial"><h1 style="color:red;font-size:48px">90% OFF!!!</h1>
<p style="font-size:24px">Designer watches, handbags, sunglasses - <b>REPLICA</b> top quality</p>
<p style="font-size:24px;color:green">$$$ SAVE BIG $$$ ACT NOW $$$</p>
<a href="http://super-deals-blast.test/?id=99" style="font-size:30px">CLICK HERE</a></body></html>""")

M(cls=S, cat="phishing", lang="en", name="tollroad-unpaid-sms-style", prof="botnet", obvious=True,
  frm=("E-ZPass Toll Services", "notice@ezpass-tolls-unpaid.test"), to="jdoe@example.com",
  subj="Unpaid toll balance: $6.99 - late fee of $50 applies tomorrow",
  text="""Toll Services: You have an unpaid toll balance of $6.99. To avoid a late fee of $50.00 and suspension of your driving privileges, please pay by tomorrow:

https://ezpass-tolls-unpaid.test/pay

(Please reply Y, then exit and open the link again, or copy it into your browser.)
""")

M(cls=S, cat="seo", lang="en", name="app-development-offshore", prof="freemail",
  frm=("Ankit Verma", "ankit.appdev.solutions@freemail-inbox.test"), to="tom.becker@example.org",
  subj="Mobile App / Web Development - 70% cost saving",
  text="""Hi,

Hope you are doing great!

We are a leading IT company offering Mobile App Development (iOS & Android), Website Design, E-commerce, AI chatbot integration at very affordable prices (70% less than local agencies).

Can we schedule a quick 15-min call this week?

Regards,
Ankit Verma
Business Development Manager

PS: If you are not interested, please reply with "unsubscribe".
""")

M(cls=S, cat="phishing", lang="en", name="fake-ndr-mail-delivery-failure", prof="botnet",
  frm=("Mail Delivery Subsystem", "mailer-daemon@example-com-mailserver.test"), to="alex.morgan@example.com",
  subj="Undelivered Mail: 7 messages failed to deliver",
  html="""<html><body style="font-family:Arial"><p><b>Message Delivery Failure</b></p>
<p>7 messages sent to <b>alex.morgan@example.com</b> could not be delivered due to a server synchronization error.</p>
<table border="1" cellpadding="4" style="border-collapse:collapse;font-size:13px"><tr><td>Invoice payment</td><td>pending</td></tr><tr><td>Re: contract</td><td>pending</td></tr><tr><td>Shipping docs</td><td>pending</td></tr></table>
<p><a href="https://mailsync-release.test/?u=alex.morgan@example.com" style="background:#1a73e8;color:#fff;padding:8px 18px;text-decoration:none">Release messages to inbox</a></p></body></html>""")
