"""More spam with structures and languages the first modules lack: base64 and Latin-1 bodies,
hidden-text hash busters, hijacked reply threads, calendar spam, QR-code PDFs, CJK spam."""
from lib import M, fake_pdf, ics
from skins import card, esc

S = "spam"

M(cls=S, cat="phishing", lang="en", name="b64-html-bank-verify", prof="botnet", cte="b64", html_cte="b64", obvious=True,
  frm=("Chase Online", "alerts@chase-secure-verify.test"), to="sam@example.org",
  subj="Important Security Notice: Unusual Sign-In Activity Detected",
  html="""<html><body style="font-family:Arial"><div style="background:#117aca;color:#fff;padding:14px;font-size:20px">CHASE</div>
<p>Dear Customer,</p><p>We detected an unusual sign-in attempt to your account from an unrecognized device. Your online access has been <b>restricted</b>.</p>
<p>Please verify your identity within <b>24 hours</b> to avoid permanent suspension:</p>
<p><a href="http://chase-secure-verify.test/auth/verify.html">https://secure.chase.com/verify</a></p>
<p>Thank you,<br>Online Security Team</p></body></html>""")

M(cls=S, cat="phishing", lang="es", name="latin1-banco-clave", prof="botnet", charset="iso-8859-1", obvious=True,
  frm=("Banca Online", "clientes@banca-online-verificacion.test"), to="diego.fernandez@example.org",
  subj="Aviso de seguridad: confirme su identidad",
  text="""Estimado cliente:

Por motivos de seguridad, hemos suspendido temporalmente el acceso a su banca online tras detectar un intento de acceso desde un dispositivo desconocido.

Para reactivar su cuenta, confirme su identidad introduciendo su usuario, contraseña y la clave de su tarjeta de coordenadas en el siguiente enlace:

http://banca-online-verificacion.test/acceso/confirmar.php

Si no confirma sus datos en 24 horas, su cuenta quedará bloqueada de forma permanente.

Atentamente,
Departamento de Seguridad
""")

M(cls=S, cat="pharma", lang="en", name="hash-buster-hidden-text", prof="botnet", obvious=True,
  frm=("Rx Store", "store@rx-store-online.test"), to="priya.n@example.net",
  subj="Re: your prescription refill",
  html="""<html><body>
<div style="display:none;font-size:1px;color:#ffffff">meadow lantern quietly orbit velvet harbor calendar maple sonnet drift pebble cascade thimble</div>
<p style="font-size:18px">V<span>i</span>a<span>g</span>r&#97; &#8211; C<span>i</span>alis &#8211; Lev<span></span>itra</p>
<p>Up to <b>80% OFF</b> &#8211; no prescription required &#8211; overnight shipping</p>
<p><a href="http://rx-store-online.test/?u=771">&#8203;Order&#8203; here</a></p>
<div style="color:#fefefe;font-size:2px">tranquil willow sapphire lemonade horizon bicycle marble whisper</div>
</body></html>""")

M(cls=S, cat="phishing", lang="en", name="thread-hijack-zip-link", prof="compromised", relay="mail.accounting-firm-lm.example",
  frm=("Laura Mendes", "laura@accounting-firm-lm.example"), to="tom.becker@example.org",
  subj="RE: Q3 reconciliation", reply="<a1b2c3d4e5@accounting-firm-lm.example>",
  text="""Hello,

Please see the attached documents regarding our previous conversation.

https://files-share-docs.test/d/Q3_reconciliation.zip
Password: 2025

Thank you

-----Original Message-----
From: Tom Becker <tom.becker@example.org>
Sent: Tuesday
Subject: Q3 reconciliation

Hi Laura, can you send me the updated reconciliation when ready?
""")

M(cls=S, cat="lottery", lang="en", name="calendar-invite-spam-reward", prof="esp-abuse", obvious=True,
  frm=("Rewards Center", "events@rewards-center-events.test"), to="alex.morgan@example.com",
  subj="Invitation: 🎁 Claim your $1000 reward - expires today @ Today",
  text="""You have been invited to the following event.

🎁 CONGRATULATIONS! You have been selected to receive a $1000 reward. Claim it now: https://rewards-center-events.test/claim

Going? Yes - Maybe - No
""", cal=ics("spam-7781@rewards-center-events.test", "CLAIM YOUR $1000 REWARD NOW - https://rewards-center-events.test/claim",
             "20251120T150000Z", "20251120T153000Z", ("Rewards Center", "events@rewards-center-events.test"),
             [("alex.morgan", "alex.morgan@example.com")], description="Congratulations winner! Claim your reward before it expires: https://rewards-center-events.test/claim"))

M(cls=S, cat="phishing", lang="en", name="qr-code-pdf-mfa", prof="compromised", relay="smtp.local-bakery-co.example",
  frm=("IT Security", "it-security@local-bakery-co.example"), to="jdoe@example.com",
  subj="Mandatory: re-enroll multi-factor authentication by Friday",
  text="""Hello,

Your multi-factor authentication must be re-enrolled before Friday. Please scan the QR code in the attached document with your phone camera to complete the process.

Failure to comply will result in loss of access.

IT Security Team
""", attach=[("MFA_Enrollment_jdoe.pdf", "application/pdf", fake_pdf(["MFA RE-ENROLLMENT", "Scan the QR code below with your phone", "[QR] https://mfa-reenroll.test/?u=jdoe@example.com", "Deadline: Friday"]))])

M(cls=S, cat="fake-invoice", lang="zh", name="zh-fapiao-spam", prof="botnet", obvious=False,
  frm=("代开发票", "fp8812@fapiao-daikai.test"), to="li.wei@example.cn",
  subj="您好！本公司代开各地正规增值税发票，点数优惠",
  text="""尊敬的负责人（经理/财务）您好！

本公司有部分进项发票（增值税、普通发票、运输、广告、建筑等）可优惠代开，点数优惠，可验证后付款。

联系人：陈经理
微信：fp8812
电话：139-0000-0000

详情请点击：http://fapiao-daikai.test/
""")

M(cls=S, cat="phishing", lang="ja", name="ja-card-suspended", prof="botnet", obvious=False,
  frm=("カード会員サービス", "info@card-member-kakunin.test"), to="tanaka.yuki@example.jp",
  subj="【重要】カードご利用確認のお願い（ご利用制限のお知らせ）",
  text="""いつも当社カードをご利用いただきありがとうございます。

お客様のカードに第三者による不正利用の可能性があるお取引を検知したため、カードのご利用を一時的に制限しております。

下記URLよりご本人様確認をお願いいたします。
24時間以内にご確認いただけない場合、カードのご利用が停止されます。

https://card-member-kakunin.test/login

※本メールは送信専用です。
""")

M(cls=S, cat="fake-invoice", lang="pt", name="pt-boleto-falso", prof="compromised", relay="mail.contabilidade-rs.example", obvious=False,
  frm=("Financeiro", "financeiro@contabilidade-rs.example"), to="beatriz.souza@example.com.br",
  subj="Boleto em aberto - vencimento hoje",
  text="""Prezado(a) cliente,

Segue o boleto referente à nota fiscal 4471 com vencimento HOJE. Evite juros e protesto em cartório.

Visualizar boleto: https://boleto-segunda-via.test/nf4471

Atenciosamente,
Departamento Financeiro
""")

M(cls=S, cat="seo", lang="ru", name="ru-seo-prodvizhenie", prof="botnet",
  frm=("Продвижение сайтов", "seo@prodvizhenie-top.test"), to="sam@example.org",
  subj="Выведем ваш сайт в ТОП-10 за 30 дней",
  text="""Здравствуйте!

Предлагаем продвижение вашего сайта в ТОП-10 поисковых систем. Гарантия результата, оплата по факту.

Также: рассылки по базам, создание сайтов, настройка рекламы.

Подробнее: http://prodvizhenie-top.test/

Если письмо пришло по ошибке, просто удалите его.
""")

M(cls=S, cat="phishing", lang="es", name="paquete-dhl-pdf-es", prof="botnet", obvious=True,
  frm=("DHL Express España", "envios@dhl-aduanas-es.test"), to="lucia.martin@example.es",
  subj="Aviso de llegada: documentos de envío adjuntos",
  text="""Estimado cliente:

Su paquete ha llegado a nuestra oficina. Debido a una dirección incorrecta no ha sido posible entregarlo.

Descargue el documento adjunto, imprímalo y preséntelo en la oficina, o pague los gastos de reenvío (2,99 €) en:

https://dhl-aduanas-es.test/reenvio

Atentamente,
DHL Express
""", attach=[("DHL_AWB_7781203.pdf", "application/pdf", fake_pdf(["DHL EXPRESS - AVISO DE LLEGADA", "Pague los gastos de reenvio en:", "https://dhl-aduanas-es.test/reenvio"]))])

M(cls=S, cat="crypto-scam", lang="es", name="cripto-plataforma-ganancias-mx", prof="esp-abuse", bulk=True,
  frm=("Inversiones Inteligentes", "info@inversiones-inteligentes-mx.test"), to="carmen.lopez@example.net",
  subj="Gane $50,000 pesos a la semana desde su casa con IA",
  html=card("Inversiones IA", "#1b5e20", "Gane desde casa con inteligencia artificial", [
      "Miles de mexicanos ya generan ingresos pasivos con nuestra plataforma automática de trading.",
      "✅ Ganancias garantizadas<br>✅ Sin experiencia<br>✅ Retiros inmediatos",
      "Inversión inicial de solo $5,000 MXN. Cupos limitados."], button=("EMPEZAR AHORA", "https://inversiones-inteligentes-mx.test/registro"), lang="es",
      footer="<a href=\"https://inversiones-inteligentes-mx.test/baja\">Cancelar suscripción</a>"))

M(cls=S, cat="advance-fee", lang="es", name="prestamo-rapido-sin-aval", prof="freemail", obvious=True,
  frm=("Préstamos Rápidos", "prestamos.rapidos.sinaval@freemail-inbox.test"), to="pablo@example.es",
  subj="PRÉSTAMO APROBADO de 15.000 € sin aval ni nómina",
  text="""¡ENHORABUENA!

Su solicitud de PRÉSTAMO de 15.000 € ha sido APROBADA. Sin aval, sin nómina, sin consultar ASNEF.

Para recibir el dinero en 24 horas solo debe abonar la comisión de apertura de 150 € mediante tarjeta regalo o transferencia.

Responda a este correo con su nombre completo, DNI y número de cuenta.

Atentamente,
Departamento de Créditos
""")

M(cls=S, cat="bulk-junk", lang="en", name="fake-newsletter-with-unsub", prof="esp-abuse", bulk=True,
  frm=("Health Insider Daily", "daily@health-insider-daily.test"), to="hannah@mailbox.example",
  subj="The 'kitchen trick' that reverses joint pain (doctors stunned)",
  html="""<html><body style="font-family:Georgia;max-width:600px;margin:auto"><p style="font-size:12px;color:#888">Health Insider Daily · Sponsored</p>
<h2>Retired Nurse Discovers 10-Second Kitchen Trick That Ends Joint Pain</h2>
<p>Big Pharma is furious. This simple trick uses one ingredient you already have in your kitchen...</p>
<p><a href="https://health-insider-daily.test/watch?v=trick">&#9654; Watch the free video presentation</a></p>
<p style="font-size:10px;color:#999">You are receiving this email because you opted in to receive offers from our partners. <a href="https://health-insider-daily.test/unsub">Unsubscribe</a> · 1 Offer Plaza, Suite 000, Las Vegas NV</p></body></html>""")

M(cls=S, cat="phishing", lang="en", name="github-lookalike-oauth", prof="esp-abuse",
  frm=("GitHub Security", "security@github-notices.test"), to="alex.morgan@example.com",
  subj="[GitHub] Security alert: your repositories may be exposed",
  text="""Hey there!

We have detected a security vulnerability affecting your repositories. To protect your code, please authorize the GitHub Security Scanner app:

https://github-notices.test/login/oauth/authorize?client_id=Iv1.7a9c&scope=repo,delete_repo

Thanks,
The GitHub Security Team
""")
