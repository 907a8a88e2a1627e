"""Legitimate mail that reads like spam: real prize draws, scholarships, refunds, "verify your
email", telehealth refills, inheritance paperwork from a notary, a relative abroad asking for
money (really), loyalty points expiring, crypto tax statements, "you've been selected"."""
from lib import M, fake_pdf
from skins import card, mjml, outlook, gmail

H = "ham"

M(cls=H, cat="transactional", lang="es", name="sorteo-tienda-ganador-real", prof="brevo", tz="+0100",
  frm=("Librería Ancla", "hola@libreriaancla.example"), to="lucia.martin@example.es",
  subj="¡Enhorabuena, Lucía! Has ganado el sorteo de Sant Jordi 🌹📚",
  html=card("Librería Ancla", "#b71c1c", "¡Has ganado!", [
      "Hola Lucía:", "Entre todas las compras del 23 de abril, el sorteo ante nuestros clientes en la tienda eligió tu ticket. Te llevas un <b>lote de 10 libros</b> a elegir y una tote bag.",
      "Pasa por la librería cuando quieras con tu DNI. No tienes que pagar nada ni darnos ningún dato por correo."],
      lang="es", footer="Librería Ancla · C/ del Mar 14, Valencia"), date="2025-04-28 12:00")

M(cls=H, cat="service", lang="en", name="scholarship-award-letter", prof="sfmc", tz="-0500",
  frm=("Office of Financial Aid", "finaid@lakeland-college.example"), to="jdoe@example.com",
  subj="Congratulations! You have been selected for the Dean's Merit Scholarship",
  text="""Dear Jordan,

Congratulations! On behalf of the Scholarship Committee, I am pleased to inform you that you have been selected to receive the Dean's Merit Scholarship of $4,000 for the 2025-26 academic year ($2,000 per semester).

The award will be applied directly to your student account. To accept, log in to the student portal and sign the award agreement under Financial Aid > Awards by June 30.

Warm regards,
Office of Financial Aid
Lakeland College
""", date="2025-05-20 10:00")

M(cls=H, cat="transactional", lang="en", name="tax-refund-deposited-real", prof="ses-us", tz="-0500",
  frm=("State Department of Revenue", "noreply@revenue.state.example"), to="alex.morgan@example.com",
  subj="Your state income tax refund has been issued",
  text="""Your 2024 state income tax refund of $612.00 was issued by direct deposit on 04/02/2025.

Please allow up to 5 business days for your bank to post the deposit.

The Department of Revenue will never ask for your bank account, PIN or payment by email, text or phone. Check your refund status only on the official website.
""", date="2025-04-02 16:00")

M(cls=H, cat="service", lang="en", name="telehealth-ed-refill-shipped", prof="postmark", tz="-0500",
  frm=("Hale Health", "care@halehealth.example"), to="tom.becker@example.org",
  subj="Your refill has shipped - discreet packaging",
  text="""Hi Tom,

Your 3-month refill of sildenafil 50 mg (prescribed by Dr. Anita Shah) shipped today in plain, discreet packaging.

Tracking: 9400 1000 0000 0000 4471 20
Your card ending 7720 was charged $60.00.

Questions about your treatment? Message your provider in the Hale app anytime.

Hale Health · Licensed pharmacy partner
""")

M(cls=H, cat="service", lang="es", name="farmacia-online-pedido-receta-viagra-generico", prof="sendgrid", tz="+0100",
  frm=("Farmacia Alameda Online", "pedidos@farmaciaalameda.example"), to="diego.fernandez@example.org",
  subj="Pedido 55120 preparado - validación de receta completada",
  text="""Hola Diego:

Nuestro farmacéutico ha validado tu receta electrónica y tu pedido 55120 ya está preparado:

- Sildenafilo 50 mg EFG, 8 comprimidos (con receta)
- Protector solar SPF50, 200 ml

Total: 24,85 €. Envío en 24-48 h en embalaje neutro.

Farmacia Alameda - Farmacia legalmente autorizada para la venta a distancia
""")

M(cls=H, cat="personal", lang="en", name="cousin-abroad-stuck-money-real", prof="personal", tz="+0100",
  frm=("Danny Price", "danny.price88@mailbox.example"), to="hannah@mailbox.example",
  subj="bit embarrassing - can you lend me £200 till Friday??",
  text="""Han,

Bit embarrassing but my card got swallowed by a machine in Porto last night and the bank can't send a new one till next week. Could you lend me £200 on Monzo till Friday? I'll pay you back the second I'm home.

I'll ring you tonight so you know it's actually me and not one of those scam emails Mum keeps warning us about 😂

Dan
""")

M(cls=H, cat="service", lang="es", name="notaria-herencia-aceptacion", prof="ms365", tz="+0100",
  frm=("Notaría Beltrán Ruiz", "herencias@notariabeltranruiz.example"), to="jgarcia@example.com",
  subj="Herencia de D. Manuel García Soto - documentación y cita de firma",
  html=outlook(["Estimado Sr. García:", "", "En relación con la aceptación y adjudicación de la herencia de su padre, D. Manuel García Soto, le confirmamos que ya disponemos del certificado de últimas voluntades y del testamento.",
                "Para preparar la escritura necesitamos: DNI de los tres herederos, certificado de titularidades bancarias a fecha de fallecimiento y recibo del IBI del inmueble.",
                "Podemos fijar la firma el jueves 13 a las 10:00 en la notaría. Le rogamos que confirme por teléfono.", "", "Atentamente,"], lang="ES",
               sig="Notaría Beltrán Ruiz · Plaza Mayor 3, Salamanca"))

M(cls=H, cat="transactional", lang="en", name="loyalty-points-expiring", prof="sfmc", bulk=True, tz="-0800",
  frm=("Cascade Rewards", "rewards@cascadecoffee.example"), to="sam@example.org",
  subj="⚠️ 450 Stars expire on Sunday - use them before they're gone!",
  html=card("Cascade Coffee", "#00704a", "Your Stars are about to expire", [
      "Hi Sam, 450 Stars expire this Sunday, Sept 28.", "That's enough for a <b>FREE</b> handcrafted drink and a pastry. Redeem at checkout in the app."],
      button=("Redeem now", "https://www.cascadecoffee.example/rewards"),
      footer="Cascade Coffee Company · Manage email preferences"), date="2025-09-24 08:00")

M(cls=H, cat="transactional", lang="en", name="crypto-tax-statement-ready", prof="ses-us", tz="+0000",
  frm=("Kestrel Exchange", "tax@kestrel-exchange.example"), to="tom.becker@example.org",
  subj="Your 2025 tax documents are ready",
  text="""Your 2025 gains and losses report and transaction history are ready to download in Kestrel under Account > Taxes.

Realised gains are calculated using FIFO. If you moved crypto in from other wallets, add the cost basis before filing.

Kestrel Exchange does not give tax advice.
""", date="2026-01-31 12:00")

M(cls=H, cat="security", lang="en", name="verify-email-new-signup", prof="postmark", tz="+0000",
  frm=("Tallyboard", "hello@tallyboard.example"), to="hannah@mailbox.example",
  subj="Verify your email address to activate your account",
  html=card("Tallyboard", "#5e35b1", "Confirm your email", [
      "Thanks for signing up for Tallyboard! Click the button below to verify your email address. The link expires in 24 hours.",
      "If you didn't create an account, you can safely ignore this email."],
      button=("Verify email", "https://app.tallyboard.example/verify?token=q7Lx2"),
      footer="Tallyboard Ltd · London"))

M(cls=H, cat="security", lang="es", name="cuenta-suspendida-impago-real", prof="sendgrid", tz="+0100",
  frm=("Nubehost", "facturacion@nubehost.example"), to="pablo@example.es",
  subj="AVISO: tu servidor se suspenderá en 3 días por impago",
  text="""Hola Pablo:

No hemos podido cobrar la factura NH-2025-11872 (14,52 €) de tu servidor virtual vps-pablo-01: la tarjeta terminada en 4471 ha caducado.

Si no actualizas el método de pago en los próximos 3 días, el servidor se suspenderá (no se borrarán datos durante 30 días).

Puedes actualizarlo desde tu panel de cliente > Facturación.

Nubehost
""")

M(cls=H, cat="service", lang="en", name="jury-duty-summons-reminder", prof="inhouse", tz="-0600",
  frm=("County Jury Services", "jury@courts.county.example"), to="jdoe@example.com",
  subj="REMINDER: You are summoned for jury service on Monday",
  text="""This is a reminder that you are summoned to report for jury service:

Monday, March 10, 8:00 AM
County Courthouse, 2nd floor Jury Assembly Room

Call the jury line after 5 PM on Friday to confirm whether your group must report.

Jury Services will never call you to demand payment of a fine for missed jury service.
""", date="2025-03-06 09:00")

M(cls=H, cat="transactional", lang="pt", name="br-cashback-credito-liberado", prof="sendgrid", tz="-0300",
  frm=("Cashbacky", "oi@cashbacky.example"), to="beatriz.souza@example.com.br",
  subj="💰 Seu cashback de R$ 42,17 foi liberado! Resgate no Pix",
  html=card("Cashbacky", "#00c853", "Dinheiro de volta na conta!", [
      "Oi, Beatriz! O cashback das suas compras de setembro foi confirmado pelas lojas.",
      "Saldo disponível: <b>R$ 42,17</b>. Resgate grátis no Pix a partir de R$ 10,00, direto no app."],
      lang="pt", footer="Cashbacky · Descadastrar"))

M(cls=H, cat="personal", lang="es", name="amiga-sorteo-instagram-gane", prof="personal", tz="-0500",
  frm=("Vale", "vale.mendoza96@correo.example"), to="carmen.lopez@example.net",
  subj="GANÉ EL SORTEO!!!!!! 😱😱😱",
  text="""AMIGAAAA GANÉ EL SORTEO DE LA CAFETERÍA!!!!!! Un año de café gratis ☕☕☕ no lo puedo creer, nunca gano nada!!!!

Ya te invito yo todos los lunes jajaja

Te quiero!!
Vale
""")

M(cls=H, cat="work", lang="en", name="it-dept-password-expiry-real", prof="ms365", tz="-0500",
  frm=("IT Service Desk", "servicedesk@harborview-med.example"), to="alex.morgan@example.com",
  subj="Your network password expires in 5 days",
  html=outlook(["Hello Alex,", "", "Your Harborview network password will expire in 5 days.",
                "To change it, press Ctrl+Alt+Del on any workstation and choose \"Change a password\", or use the self-service tool on the intranet. We will never send you a link to change your password.",
                "", "IT Service Desk, ext. 4357"]))

M(cls=H, cat="transactional", lang="en", name="warranty-claim-approved-replacement", prof="mailgun", tz="+1000",
  frm=("Kettlewise Support", "support@kettlewise.example"), to="jdoe@example.com",
  subj="Good news! Your FREE replacement is on its way",
  text="""Hi Jordan,

Thanks for the photos - we've approved your warranty claim (WC-88120) for the cracked lid hinge. A brand-new kettle is on its way to you, free of charge.

No need to send the old one back; please recycle it responsibly.

Kettlewise Support
""")

M(cls=H, cat="newsletter", lang="en", name="charity-matching-gift-double", prof="mailchimp", bulk=True, tz="-0500",
  frm=("Riverbend Food Bank", "give@riverbendfoodbank.example"), to="priya.n@example.net",
  subj="DOUBLE your gift TODAY ONLY - every $1 = 2 meals!",
  html=mjml("Riverbend Food Bank", "#e65100", "Giving Tuesday", [("h", "Today, your gift goes twice as far"),
            "A group of local businesses will match every donation made today, up to $50,000. That means every $1 provides 2 meals for neighbors in need.",
            ("btn", "Donate now", "https://riverbendfoodbank.example/give"),
            "Thank you for standing with your neighbors. 💛"],
            footer="Riverbend Food Bank is a 501(c)(3) nonprofit. Unsubscribe"), date="2025-12-02 07:00")

M(cls=H, cat="transactional", lang="fr", name="fr-remboursement-commande-annulee", prof="sendgrid", tz="+0100",
  frm=("Boutique Ardoise", "service-client@boutiqueardoise.example"), to="claire.dubois@example.fr",
  subj="Remboursement de 64,90 € effectué",
  text="""Bonjour Claire,

Suite à l'annulation de votre commande n° BA-22410, nous avons procédé au remboursement de 64,90 € sur votre carte bancaire. Selon votre banque, il apparaîtra sous 3 à 10 jours ouvrés.

Nous espérons vous revoir bientôt !

Le service client Boutique Ardoise
""")

M(cls=H, cat="service", lang="de", name="de-lotto-gewinn-kundenkonto", prof="sfmc", tz="+0100",
  frm=("Lotto Landesgesellschaft", "kundenservice@lotto-land.example"), to="jonas.weber@example.de",
  subj="Gewinnbenachrichtigung: Ihr Spielschein hat gewonnen",
  text="""Guten Tag Herr Weber,

Ihr Spielschein vom 15.11.2025 hat in der Gewinnklasse 8 gewonnen. Der Gewinn von 15,30 € wurde Ihrem Kundenkonto gutgeschrieben.

Sie können den Betrag in Ihrem Kundenkonto auszahlen lassen oder für neue Spielscheine verwenden.

Spielen ab 18. Glücksspiel kann süchtig machen. Hilfe unter der Info-Hotline.
""", date="2025-11-16 09:00")

M(cls=H, cat="work", lang="es", name="jefa-urgente-transferencia-real-nomina", prof="ms365", tz="+0100",
  frm=("Inmaculada Rey", "irey@talleres-rey.example"), to="carmen.lopez@example.net",
  subj="URGENTE: adelanto de nómina para Luis - hoy",
  html=outlook(["Carmen,", "", "Como hablamos esta mañana en la reunión, aprueba hoy el adelanto de nómina de 600 € para Luis (taller), lo ha pedido por lo de su madre.",
                "Hazlo por el procedimiento normal desde el programa de nóminas, que quede registrado. Luego firmo el justificante.", "", "Gracias,"], lang="ES",
               sig="Inmaculada Rey · Gerente · Talleres Rey S.L."))

M(cls=H, cat="transactional", lang="it", name="it-rimborso-bolletta-conguaglio", prof="sfmc", tz="+0100",
  frm=("Energia Alpina", "clienti@energiaalpina.example"), to="giulia.rossi@example.it",
  subj="Buone notizie: conguaglio a tuo favore di 86,40 €",
  text="""Gentile Giulia,

dalla lettura del contatore risulta un conguaglio a tuo favore di 86,40 €, che verrà scalato automaticamente dalla prossima bolletta.

Non devi fare nulla. Trovi il dettaglio nell'area clienti.

Energia Alpina S.p.A.
""")

M(cls=H, cat="security", lang="pt", name="br-gov-login-novo-dispositivo", prof="inhouse", tz="-0300",
  frm=("Conta Gov", "naoresponda@acesso.gov.example"), to="beatriz.souza@example.com.br",
  subj="Novo acesso à sua conta gov",
  text="""Olá, Beatriz.

Sua conta gov foi acessada em um novo dispositivo em 21/08/2025 às 10:14 (Android, São Paulo - SP).

Se foi você, desconsidere. Se não reconhece este acesso, altere sua senha pelo aplicativo oficial. Não enviamos links para atualização cadastral.
""", date="2025-08-21 10:15")

M(cls=H, cat="personal", lang="en", name="grandpa-allcaps-email", prof="personal", tz="-0600",
  frm=("GRANDPA JOE", "joe.walsh1941@example.net"), to="jdoe@example.com",
  subj="HAPPY BIRTHDAY!!! CHECK IN THE MAIL",
  text="""HAPPY BIRTHDAY JORDAN!!! GRANDMA AND I PUT A CHECK IN THE MAIL FOR YOU. DON'T SPEND IT ALL IN ONE PLACE!!!

WE ARE PROUD OF YOU. CALL US THIS WEEKEND.

LOVE
GRANDPA JOE AND GRANDMA
""")

M(cls=H, cat="transactional", lang="es", name="ar-afip-like-reintegro-compra-dolar", prof="inhouse", tz="-0300",
  frm=("Agencia de Recaudación - Avisos", "avisos@arca.gob.example"), to="diego.fernandez@example.org",
  subj="Devolución de percepciones acreditada",
  text="""Estimado contribuyente:

Le informamos que se acreditó la devolución de percepciones por compras en moneda extranjera correspondientes al período 2024, por un importe de $ 312.480,15, en la cuenta bancaria registrada (CBU terminada en 4471).

Esta comunicación es informativa. No responda este correo.
""")
