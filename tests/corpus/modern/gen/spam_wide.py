"""Modern scams in the languages of the wider ham set: fake traffic fines, fake parcel
customs fees, Bizum/WhatsApp "son with a new number", fake crypto exchanges, CEO fraud,
invoice fraud with a changed Reply-To and bank account, romance scams, fake job offers."""
from lib import M, fake_pdf
from skins import card, esc

S = "spam"

M(cls=S, cat="phishing", lang="es", name="dgt-multa-falsa-pago-reducido", prof="botnet", obvious=True,
  frm=("DGT - Multas", "notificacion@dgt-multas-pago.test"), to="diego.fernandez@example.org",
  subj="Aviso de multa pendiente: pague con 50% de descuento antes de 48 horas",
  html="""<html><body style="font-family:Arial"><div style="background:#1a3d6d;color:#fff;padding:12px;font-size:18px">Dirección General de Tráfico</div>
<p>Estimado conductor,</p><p>Se ha registrado una infracción de su vehículo por exceso de velocidad (radar fijo A-6 km 14). Importe: <b>200,00 €</b>.</p>
<p>Si realiza el pago en las próximas <b>48 horas</b> se le aplicará una reducción del 50% (<b>100,00 €</b>). Pasado este plazo se iniciará el procedimiento de embargo y la retirada de 4 puntos.</p>
<p style="text-align:center"><a href="http://bit.example/dgt-pago" style="background:#c00;color:#fff;padding:12px 30px;text-decoration:none">PAGAR MULTA AHORA</a></p>
<p style="font-size:11px;color:#777">Ministerio del Interior</p></body></html>""")

M(cls=S, cat="phishing", lang="es", name="correos-paquete-tasa-aduana", prof="botnet", obvious=True,
  frm=("Correos", "info@correos-envio-pendiente.test"), to="lucia.martin@example.es",
  subj="Su paquete está retenido: pague 1,99 € de gastos de aduana",
  text="""Estimado cliente,

Su paquete ES2291847720 está retenido en nuestro centro logístico por falta de pago de los gastos de aduana (1,99 €).

Para recibir su envío, confirme el pago en las próximas 24 horas:
http://correos-envio-pendiente.test/pago/ES2291847720

Si no paga, el paquete será devuelto al remitente.

Correos y Telégrafos
""")

M(cls=S, cat="phishing", lang="es", name="bizum-reembolso-falso", prof="freemail",
  frm=("Servicio Bizum", "bizum.soporte.reembolsos@freemail.example"), to="carmen.lopez@example.net",
  subj="Tiene un reembolso Bizum de 149,90 € pendiente de aceptar",
  text="""Hola,

Le informamos que tiene un reembolso Bizum de 149,90 € pendiente. Para recibirlo, debe ACEPTAR la solicitud que recibirá en su app bancaria en los próximos minutos.

IMPORTANTE: la solicitud aparecerá como "pago", es normal, es el procedimiento de verificación del reembolso. Acéptela para recibir el dinero.

Atentamente,
Atención al cliente
""")

M(cls=S, cat="advance-fee", lang="es", name="whatsapp-hijo-movil-nuevo", prof="freemail",
  frm=("Alex", "alex.nuevo.numero2025@freemail.example"), to="carmen.lopez@example.net",
  subj="mama soy yo, este es mi correo nuevo",
  text="""Hola mamá, se me ha roto el móvil y estoy usando el correo nuevo. Guarda este número de WhatsApp: +34 600 000 000

Necesito un favor urgente, tengo que pagar una factura hoy y no puedo entrar al banco desde el móvil nuevo. ¿Me puedes hacer una transferencia de 980€? Te lo devuelvo mañana sin falta.

Te paso la cuenta por WhatsApp. Escríbeme ya porfa 🙏
""")

M(cls=S, cat="crypto-scam", lang="es", name="exchange-falso-saldo-retiro", prof="esp-abuse", obvious=True,
  frm=("CoinVerta Exchange", "soporte@coinverta-exchange.test"), to="jgarcia@example.com",
  subj="🎉 Su saldo de 0,3841 BTC (24.600 €) está listo para retirar",
  html="""<html><body style="font-family:Arial;background:#0b0e11;color:#eaecef;padding:20px">
<h2 style="color:#f0b90b">CoinVerta</h2><p>Estimado usuario,</p>
<p>Su cuenta ha generado <b>0,3841 BTC</b> (≈ 24.600 €) mediante nuestro programa de minería en la nube.</p>
<p>Para retirar los fondos a su cuenta bancaria, solo tiene que abonar la <b>comisión de activación de 249 €</b>. ¡Oferta válida solo hoy!</p>
<p><a href="http://coinverta-exchange.test/retirar" style="background:#f0b90b;color:#000;padding:12px 26px;text-decoration:none;font-weight:bold">RETIRAR AHORA</a></p></body></html>""")

M(cls=S, cat="ceo-fraud", lang="es", name="ceo-fraude-transferencia-confidencial", prof="freemail",
  frm=("Fernando Aguirre", "f.aguirre.direccion@freemail.example"), to="jgarcia@example.com",
  reply_to="f.aguirre.ceo@freemail.example",
  subj="Operación confidencial - necesito tu ayuda hoy",
  text="""Javier,

Estoy en una reunión y no puedo hablar por teléfono. Estamos cerrando la compra de una empresa y necesito que gestiones hoy una transferencia a un despacho de abogados. Es CONFIDENCIAL, no lo comentes con nadie del departamento hasta que se anuncie.

¿Estás disponible ahora? Te paso los datos en cuanto me confirmes.

Fernando Aguirre
Enviado desde mi iPad
""")

M(cls=S, cat="fake-invoice", lang="es", name="proveedor-cambio-cuenta-bancaria", prof="compromised", relay="mail.suministros-levante.example",
  frm=("Administración Suministros Levante", "administracion@suministros-levante.example"), to="carmen.lopez@example.net",
  reply_to="administracion.suministroslevante@freemail.example",
  subj="RE: Facturas pendientes - NUEVA CUENTA BANCARIA",
  text="""Buenos días,

Les informamos que, por motivo de auditoría, hemos cambiado de entidad bancaria. A partir de hoy, por favor realicen los pagos de las facturas pendientes (F-2025-0412 y F-2025-0431, total 18.430,50 €) a la nueva cuenta que les indicamos en el certificado adjunto.

La cuenta anterior ya no está operativa. Les rogamos confirmen la fecha de pago por este medio.

Un saludo,
Departamento de Administración
""", attach=[("Certificado_titularidad_nueva.pdf", "application/pdf", fake_pdf(["Certificado de titularidad", "IBAN ES00 0000 0000 0000 0000 0000"]))])

M(cls=S, cat="dating", lang="es", name="romance-militar-herencia", prof="freemail",
  frm=("Sargento James Miller", "james.miller.usarmy1@freemail.example"), to="marta.r@correo.example",
  subj="Hola querida, quiero conocerte",
  text="""Hola querida,

Perdona que te escriba sin conocerte, vi tu perfil y tu sonrisa me hizo sentir algo especial. Soy sargento del ejército y estoy en misión de paz en Siria. Soy viudo y tengo una hija de 9 años.

Me gustaría conocerte de verdad. Tengo un baúl con mis ahorros (1,2 millones de dólares) que quiero enviar a una persona de confianza antes de retirarme. ¿Puedo confiar en ti?

Escríbeme, te espero.
James
""")

M(cls=S, cat="phishing", lang="es", name="mx-sat-adeudo-fiscal-falso", prof="botnet", obvious=True,
  frm=("SAT Notificaciones", "notificaciones@sat-buzon-tributario.test"), to="carmen.lopez@example.net",
  subj="URGENTE: Aviso de adeudo fiscal - embargo de cuentas en 72 hrs",
  text="""Estimado contribuyente:

Se detectó un adeudo fiscal a su nombre por $38,420.00 MXN. De no regularizarse en un plazo de 72 horas, se procederá al EMBARGO de sus cuentas bancarias.

Descargue su comprobante de adeudo aquí:
http://sat-buzon-tributario.test/comprobante.zip

Servicio de Administración Tributaria
""")

M(cls=S, cat="phishing", lang="es", name="ar-home-banking-bloqueado", prof="botnet", obvious=True,
  frm=("Banco Nación Online", "seguridad@bna-homebanking-validar.test"), to="diego.fernandez@example.org",
  subj="Su Home Banking fue BLOQUEADO - valide sus datos",
  text="""Estimado cliente:

Por razones de seguridad su acceso a Home Banking fue bloqueado. Para desbloquearlo ingrese su usuario, clave y los datos de su tarjeta de coordenadas en:

http://bna-homebanking-validar.test/desbloqueo

Si no valida sus datos dentro de las 24 hs, su cuenta será dada de baja.
""")

M(cls=S, cat="job-scam", lang="es", name="co-trabajo-desde-casa-likes", prof="freemail",
  frm=("Recursos Humanos", "rrhh.empleo.online2025@freemail.example"), to="jgarcia@example.com",
  subj="Trabajo desde casa: gana $200.000 COP diarios dando likes",
  text="""Hola!

Estamos contratando personal para trabajo en línea desde el celular. Solo tienes que dar "me gusta" a videos y ganas entre 150.000 y 200.000 pesos diarios. Sin experiencia. Pago diario a Nequi o Bancolombia.

Escríbenos por WhatsApp al número del enlace para empezar HOY: http://wa.example/empleo-likes

Cupos limitados!!!
""")

M(cls=S, cat="phishing", lang="pt", name="br-pix-devolucao-falsa", prof="botnet", obvious=True,
  frm=("Banco Central - Valores a Receber", "atendimento@valores-receber-bcb.test"), to="beatriz.souza@example.com.br",
  subj="Você tem R$ 1.847,33 em valores esquecidos a receber!",
  html="""<html><body style="font-family:Arial"><h2 style="color:#006837">Valores a Receber</h2>
<p>Prezado(a) cidadão(ã),</p><p>Identificamos <b>R$ 1.847,33</b> esquecidos em instituições financeiras em seu CPF.</p>
<p>Para resgatar via Pix, pague a <b>taxa de liberação de R$ 39,90</b> até hoje às 23h59.</p>
<p><a href="http://valores-receber-bcb.test/resgatar">RESGATAR AGORA</a></p></body></html>""")

M(cls=S, cat="phishing", lang="pt", name="br-correios-taxa-importacao", prof="botnet", obvious=True,
  frm=("Correios Brasil", "rastreio@correios-taxacao.test"), to="beatriz.souza@example.com.br",
  subj="Encomenda taxada - pagamento pendente (prazo 24h)",
  text="""Sua encomenda BR774120993CN foi taxada pela Receita Federal.

Valor da taxa de importação: R$ 67,42

Efetue o pagamento via Pix em até 24 horas para liberação, caso contrário o objeto será devolvido:
http://correios-taxacao.test/pagar?obj=BR774120993CN
""")

M(cls=S, cat="phishing", lang="fr", name="fr-antai-amende-impayee", prof="botnet", obvious=True,
  frm=("ANTAI", "avis@antai-amende-paiement.test"), to="claire.dubois@example.fr",
  subj="Avis de contravention impayée - majoration imminente",
  text="""Madame, Monsieur,

Sauf erreur de notre part, votre avis de contravention n° 2291847720 reste impayé. Montant : 35,00 €.

Sans règlement sous 48 heures, l'amende sera majorée à 180,00 €.

Réglez maintenant : http://antai-amende-paiement.test/paiement

Agence Nationale de Traitement Automatisé des Infractions
""")

M(cls=S, cat="phishing", lang="fr", name="fr-ameli-carte-vitale-renouvellement", prof="botnet",
  frm=("Assurance Maladie", "ne-pas-repondre@ameli-renouvellement.test"), to="m.lefevre@example.org",
  subj="Votre nouvelle carte Vitale est disponible - action requise",
  html="""<p>Bonjour,</p><p>Votre carte Vitale arrive à expiration. Pour recevoir la nouvelle carte, veuillez mettre à jour vos informations et régler les frais d'envoi de 1,49 €.</p>
<p><a href="http://ameli-renouvellement.test/carte">Commander ma carte</a></p><p>L'Assurance Maladie</p>""")

M(cls=S, cat="ceo-fraud", lang="fr", name="fr-president-virement-urgent", prof="freemail",
  frm=("Philippe Marchand", "p.marchand.pdg@freemail.example"), to="claire.dubois@example.fr",
  subj="Dossier confidentiel",
  text="""Claire,

Êtes-vous à votre bureau ? J'ai besoin que vous traitiez un virement international urgent aujourd'hui dans le cadre d'une acquisition. La plus grande discrétion est requise, l'AMF n'a pas encore été informée.

Répondez-moi uniquement par mail, je suis en réunion.

Philippe Marchand
""")

M(cls=S, cat="phishing", lang="de", name="de-paket-zollgebuehr", prof="botnet", obvious=True,
  frm=("DHL Paket", "service@dhl-zustellung-gebuehr.test"), to="jonas.weber@example.de",
  subj="Ihr Paket wartet: Zollgebühr 2,99 EUR ausstehend",
  text="""Sehr geehrter Kunde,

Ihr Paket konnte nicht zugestellt werden, da eine Zollgebühr von 2,99 EUR aussteht.

Bitte bezahlen Sie innerhalb von 24 Stunden, sonst wird die Sendung zurückgeschickt:
http://dhl-zustellung-gebuehr.test/zahlung

Mit freundlichen Grüßen
Ihr Paketservice
""")

M(cls=S, cat="fake-invoice", lang="de", name="de-rechnung-neue-bankverbindung", prof="compromised", relay="mail.metallbau-kraus.example",
  frm=("Buchhaltung Metallbau Kraus", "buchhaltung@metallbau-kraus.example"), to="anna.k@example.org",
  reply_to="buchhaltung.metallbaukraus@freemail.example",
  subj="AW: offene Rechnung 2025-1187 - geänderte Bankverbindung",
  text="""Guten Tag,

bitte beachten Sie, dass sich unsere Bankverbindung geändert hat. Die offene Rechnung 2025-1187 über 7.940,00 EUR überweisen Sie bitte ab sofort auf das neue Konto (siehe Anhang). Zahlungen auf das alte Konto können nicht mehr zugeordnet werden.

Bitte bestätigen Sie kurz den Zahlungstermin.

Mit freundlichen Grüßen
Buchhaltung
""", attach=[("Bankverbindung_neu.pdf", "application/pdf", fake_pdf(["Neue Bankverbindung", "IBAN DE00 0000 0000 0000 0000 00"]))])

M(cls=S, cat="phishing", lang="it", name="it-poste-conto-sospeso", prof="botnet", obvious=True,
  frm=("Poste Italiane", "sicurezza@posteitaliane-verifica.test"), to="giulia.rossi@example.it",
  subj="Il tuo conto è stato SOSPESO - verifica entro 24 ore",
  text="""Gentile cliente,

abbiamo rilevato un accesso anomalo al tuo conto. Per motivi di sicurezza il conto è stato sospeso.

Verifica subito la tua identità per riattivarlo:
http://posteitaliane-verifica.test/verifica

Se non verifichi entro 24 ore, il conto verrà chiuso definitivamente.
""")

M(cls=S, cat="dating", lang="it", name="it-romance-ingegnere-piattaforma", prof="freemail",
  frm=("Robert", "robert.engineer.offshore@freemail.example"), to="marco.b@example.org",
  subj="ciao tesoro 💕",
  text="""Ciao tesoro, sono Robert, ingegnere su una piattaforma petrolifera nel Mare del Nord. Ho sentito subito una connessione speciale con te.

Ho un problema: la mia carta è bloccata e devo pagare la dogana per il mio ritorno, 2.300 euro. Appena arrivo ti ridò tutto e finalmente ci vediamo 💕

Puoi aiutarmi con una ricarica o un bonifico? Ti amo.
""")

M(cls=S, cat="crypto-scam", lang="en", name="fake-exchange-account-frozen-kyc", prof="esp-abuse",
  frm=("Binanse Support", "support@binanse-kyc.test"), to="tom.becker@example.org",
  subj="Your account has been FROZEN - complete KYC to unlock 2.41 ETH",
  html=card("Binanse", "#f0b90b", "Action required: account frozen", [
      "Dear user, due to new regulations your account has been frozen. Your balance of <b>2.41 ETH</b> cannot be withdrawn.",
      "Connect your wallet and sign the verification message within 12 hours to restore access. After that, funds will be transferred to the regulator."],
      button=("Verify wallet", "http://binanse-kyc.test/connect"), footer="Binanse Ltd."))

M(cls=S, cat="ceo-fraud", lang="en", name="ceo-gift-cards-urgent", prof="freemail",
  frm=("Mark Ellison", "mark.ellison.office@freemail.example"), to="sam@example.org",
  subj="Quick task",
  text="""Hi Sam,

Are you available? I need you to handle a quick task for me. I want to surprise some of the staff with gift cards and I'm stuck in back to back meetings.

Let me know and I'll tell you what to get. Keep it between us for now.

Mark
Sent from my iPhone
""")

M(cls=S, cat="fake-invoice", lang="en", name="vendor-bank-change-thread-hijack", prof="compromised", relay="mail.brightline-supplies.example",
  frm=("Accounts Receivable", "ar@brightline-supplies.example"), to="tom.becker@example.org",
  reply_to="ar.brightlinesupplies@freemail.example", reply="<inv-2025-2210@brightline-supplies.example>",
  subj="RE: Invoice INV-2210 - updated remittance details",
  text="""Hello Tom,

Following up on the invoice below. Please note our banking details have been updated as our previous account is under review. Kindly remit payment of $24,870.00 to the new account on the attached letterhead and share the remittance advice once done.

Please do not use the old account details.

Regards,
Accounts Receivable
""", attach=[("Updated_Banking_Details.pdf", "application/pdf", fake_pdf(["Updated banking details", "Account 000000000"]))])

M(cls=S, cat="phishing", lang="en", name="toll-road-unpaid-sms-style", prof="botnet", obvious=True,
  frm=("E-ZPass", "notice@ezpass-tolls-unpaid.test"), to="jdoe@example.com",
  subj="Final notice: unpaid toll balance $6.99",
  text="""You have an outstanding toll of $6.99. To avoid a late fee of $50.00 and suspension of your vehicle registration, pay by today:

https://ezpass-tolls-unpaid.test/pay

Reply Y, then exit the message and reopen it to activate the link.
""")

M(cls=S, cat="dating", lang="en", name="wrong-address-crypto-romance", prof="freemail",
  frm=("Linda Zhao", "linda.zhao.invest88@freemail.example"), to="priya.n@example.net",
  subj="Hi, is this Amy? 😊",
  text="""Hi Amy, it's Linda from the wine tasting last week! Are we still on for dinner Friday?

Oh sorry, I think I have the wrong email 😅 Well, nice to meet you anyway! I'm in Los Angeles, I work in fashion and do some crypto investing on the side with my uncle's strategy, it's been really good this year.

Where are you from?
""")

M(cls=S, cat="job-scam", lang="en", name="remote-job-check-deposit", prof="freemail",
  frm=("HR Dept - Virtual Assistant", "hr.virtualassistant.hiring@freemail.example"), to="hannah@mailbox.example",
  subj="Congratulations! You have been selected for the Virtual Assistant position",
  text="""Dear Candidate,

After reviewing your resume, we are pleased to offer you the remote Virtual Assistant position at $35/hr. No interview needed.

We will mail you a check of $2,950 to purchase your home office equipment from our approved vendor. Deposit the check and send the remaining funds to the vendor via Zelle.

Please reply with your full name, address and phone number to proceed.

HR Department
""")

M(cls=S, cat="phishing", lang="en", name="voicemail-html-redirect-m365", prof="compromised", relay="webmail.dentalcare-ok.example",
  frm=("Voice Mail Service", "voicemail@dentalcare-ok.example"), to="alex.morgan@example.com",
  subj="▶ New voice message (0:42) from +1 (555) 010-4471",
  text="""You received a new voice message.

Duration: 0:42
Caller: +1 (555) 010-4471

Open the attached file to play the message.
""", attach=[("VM_Play_0042.html", "text/html", b'<html><body><script>window.location="http://m365-voice-login.test/auth?e="+"alex.morgan@example.com"</script></body></html>\n')])

M(cls=S, cat="phishing", lang="ca", name="ca-agencia-tributaria-reemborsament", prof="botnet", obvious=True,
  frm=("Agència Tributària", "avisos@atc-reemborsament.test"), to="jordi.puig@example.cat",
  subj="Teniu un reemborsament de 412,80 € pendent",
  text="""Benvolgut contribuent,

Després del càlcul anual, teniu dret a un reemborsament de 412,80 €. Per rebre'l, confirmeu les dades de la vostra targeta bancària abans de 48 hores:

http://atc-reemborsament.test/reemborsament

Agència Tributària
""")

M(cls=S, cat="crypto-scam", lang="de", name="de-krypto-promi-interview", prof="esp-abuse", obvious=True,
  frm=("Finanz Exklusiv", "redaktion@finanz-exklusiv-news.test"), to="jonas.weber@example.de",
  subj="Skandal im TV: Moderator verrät, wie er mit 250 € 12.000 € im Monat verdient",
  html="""<html><body style="font-family:Georgia"><h1>Skandal im Live-Interview!</h1>
<p>Die Bank wollte dieses Interview stoppen. Mit der neuen Plattform <b>Quantum Profit AI</b> verdienen Normalbürger bis zu <b>12.000 € pro Monat</b> – mit nur 250 € Startkapital.</p>
<p><a href="http://quantum-profit-ai.test/de">JETZT KOSTENLOS REGISTRIEREN</a> – nur noch 17 Plätze frei!</p></body></html>""")
