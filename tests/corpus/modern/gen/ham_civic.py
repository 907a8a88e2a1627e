"""Community and institutional mail: landlords, neighbours' associations, sports clubs,
parishes, schools and universities, doctors and pharmacies, insurers, tax offices, real
traffic-fine notices, utilities, telcos and banks. Much of it says "fine", "payment due",
"verify", "urgent" and "account" — legitimately."""
from lib import M, fake_pdf, ics
from skins import card, mjml, outlook, simple

H = "ham"

M(cls=H, cat="service", lang="es", name="casero-subida-ipc-alquiler", prof="personal", tz="+0100",
  frm=("Antonio Beltrán", "abeltran.pisos@correo.example"), to="pablo@example.es",
  subj="Actualización renta alquiler - C/ Alcalá 212, 4ºA",
  text="""Buenos días Pablo:

Como cada año según el contrato, le comunico la actualización de la renta con el índice de referencia publicado (2,2 %). A partir del recibo de marzo la mensualidad pasa de 850,00 € a 868,70 €.

Si tiene cualquier duda me llama. Por cierto, el técnico de la caldera pasará el día 12 por la mañana, ¿le viene bien?

Un saludo,
Antonio Beltrán
""", date="2026-02-20 10:05")

M(cls=H, cat="service", lang="en", name="landlord-rent-receipt-maintenance", prof="personal", tz="-0500",
  frm=("Greenway Property Mgmt", "office@greenwaypm.example"), to="jdoe@example.com",
  subj="Rent received - Unit 3B + water shutoff Thursday", ua=("X-Mailer", "Microsoft Outlook 16.0"),
  text="""Hi Jordan,

Confirming we received your October rent of $1,725.00 on 10/1. Thank you!

Also a heads up: the city is replacing the water main on Thursday, water will be OFF from 9am to approximately 3pm. Please plan accordingly.

Greenway Property Management
Office hours M-F 9-5, emergencies 555-0142
""")

M(cls=H, cat="service", lang="es", name="comunidad-vecinos-derrama-junta", prof="personal", tz="+0100",
  frm=("Administración Fincas Soler", "administracion@fincassoler.example"), to="marta.r@correo.example",
  subj="CONVOCATORIA JUNTA ORDINARIA - Comunidad C/ Mayor 14 - ¡IMPORTANTE: DERRAMA ASCENSOR!",
  text="""Estimados propietarios:

Por la presente se les convoca a la Junta General Ordinaria que se celebrará el próximo jueves 27 de marzo en el portal, a las 19:30 en primera convocatoria y 20:00 en segunda.

ORDEN DEL DÍA:
1. Aprobación de cuentas del ejercicio 2025.
2. Presupuesto 2026.
3. Aprobación de la DERRAMA para la sustitución del ascensor (3 presupuestos adjuntos).
4. Ruegos y preguntas.

Si no puede asistir, puede delegar su voto con el modelo adjunto.

Atentamente,
Administración de Fincas Soler
""", attach=[("Convocatoria_Junta_2026.pdf", "application/pdf", fake_pdf(["Comunidad de Propietarios C/ Mayor 14", "Convocatoria Junta Ordinaria", "27 de marzo de 2026 - 19:30"]))],
  date="2026-03-10 12:00")

M(cls=H, cat="service", lang="en", name="hoa-pool-opening-newsletter", prof="mailchimp", bulk=True, tz="-0500",
  frm=("Willow Creek HOA", "board@willowcreekhoa.example"), to="alex.morgan@example.com",
  subj="🏊 POOL OPENS SATURDAY! + dues reminder & yard sale",
  html=mjml("Willow Creek HOA", "#0b7285", "Pool opens Saturday", [
      ("h", "The pool opens Saturday, May 24!"),
      "Hours are 10am–8pm daily. Bring your new 2025 fob — old fobs were deactivated.",
      ("h", "Second-half dues"),
      "Dues of $225 are due June 1. Pay online in the resident portal or drop a check in the clubhouse box. Late fees apply after June 15.",
      ("h", "Community yard sale"),
      "Saturday June 7, 7am–noon. No sign-up needed, just put your stuff out!",
      ("btn", "Resident portal", "https://willowcreekhoa.example/portal")],
      footer="Willow Creek Homeowners Association · You are receiving this as a resident."),
  date="2025-05-19 18:00")

M(cls=H, cat="service", lang="es", name="club-futbol-cuota-temporada", prof="brevo", tz="+0100",
  frm=("CD Atlético Villaverde", "secretaria@cdvillaverde.example"), to="diego.fernandez@example.org",
  subj="Cuota temporada 2025/26 - ¡ÚLTIMOS DÍAS para inscribir a tu hijo!",
  html=card("CD Atlético Villaverde", "#c62828", "Inscripciones temporada 2025/26", [
      "Hola familia:", "Os recordamos que el plazo de inscripción para la temporada 2025/26 termina el <b>15 de julio</b>. Después no podemos garantizar plaza en el equipo.",
      "Cuota anual: <b>320 €</b> (equipación incluida). Hermanos: 10 % de descuento. Se puede pagar en 2 plazos.",
      "Los entrenamientos empiezan el 1 de septiembre. ¡Vamos Villaverde! ⚽"],
      button=("Inscribir ahora", "https://cdvillaverde.example/inscripcion"), lang="es",
      footer="CD Atlético Villaverde · Polideportivo Municipal, Madrid"), date="2025-07-04 10:00")

M(cls=H, cat="service", lang="en", name="swim-club-meet-results", prof="personal", tz="+1000",
  frm=("Bayside Swim Club", "results.baysidesc@mailbox.example"), to="jdoe@example.com",
  subj="Meet results + 3 NEW CLUB RECORDS!!! 🏆",
  text="""Hi swimmers and families,

What a weekend!! Results from the Regional Sprint Meet are attached. Huge congratulations to everyone - 41 PBs and THREE new club records:

- Mia L. 50m fly (U12) 31.84
- Josh P. 100m breast (U14) 1:13.22
- 4x50 free relay girls U13 2:02.19

Presentation night is Friday 6:30pm at the clubhouse. Sausage sizzle, gold coin donation.

Coach Dee
""", attach=[("Regional_Sprint_results.pdf", "application/pdf", fake_pdf(["Regional Sprint Meet results", "Bayside Swim Club"]))])

M(cls=H, cat="service", lang="es", name="parroquia-catequesis-inscripcion", prof="personal", tz="+0100",
  frm=("Parroquia San José", "parroquia.sanjose@correo.example"), to="carmen.lopez@example.net",
  subj="Inscripción catequesis de Primera Comunión curso 2025-26",
  text="""Queridas familias:

Se abre el plazo de inscripción para la catequesis de Primera Comunión. Las inscripciones se harán en el despacho parroquial los martes y jueves de 18:00 a 20:00 hasta el 10 de octubre. Traed la partida de bautismo.

La catequesis será los sábados de 11:00 a 12:00. La aportación para materiales es de 15 euros.

Que Dios os bendiga,
D. Ramón, párroco
""")

M(cls=H, cat="service", lang="en", name="church-bulletin-potluck", prof="mailchimp", bulk=True, tz="-0600",
  frm=("Grace Community Church", "office@gracecommunity.example"), to="sam@example.org",
  subj="This Sunday: potluck, youth car wash & a thank-you",
  html=card("Grace Community Church", "#6d4c41", "This week at Grace", [
      "<b>Potluck lunch</b> after the 10:30 service — bring a dish to share, last names A–M dessert, N–Z mains.",
      "<b>Youth car wash</b> Saturday 9–1 in the parking lot. FREE, donations go to the summer mission trip.",
      "<b>Thank you!</b> Our winter coat drive collected 212 coats for the shelter."],
      footer="Grace Community Church · 400 Oak St · Update your preferences or unsubscribe"))

M(cls=H, cat="service", lang="es", name="universidad-notas-publicadas", prof="inhouse", tz="+0100",
  frm=("Secretaría Virtual UCV", "no-reply@campus.univ-costaverde.example"), to="lucia.martin@example.es",
  subj="Calificaciones provisionales publicadas: Estadística II (convocatoria ordinaria)",
  text="""Estimada estudiante:

Se han publicado las calificaciones provisionales de la asignatura Estadística II (grupo M2) de la convocatoria ordinaria de enero.

Puede consultarlas en el Campus Virtual > Expediente > Calificaciones.

Plazo de revisión: del 3 al 5 de febrero, previa solicitud en la secretaría del departamento.

Este es un mensaje automático, por favor no responda.
Secretaría Virtual - Universidad Costaverde
""", date="2026-01-30 14:00")

M(cls=H, cat="service", lang="en", name="university-enrolment-confirmed", prof="sfmc", tz="+0000",
  frm=("Northbridge University Admissions", "admissions@northbridge-uni.example"), to="hannah@mailbox.example",
  subj="Congratulations! Your place is confirmed - next steps",
  html=card("Northbridge University", "#4a148c", "Your place is confirmed 🎓", [
      "Dear Hannah,", "Congratulations! Your place on <b>MSc Data Science</b> starting September 2025 is now confirmed.",
      "Next steps: complete online enrolment by 5 September, upload a photo for your student card, and pay the first tuition instalment or set up your plan.",
      "Welcome Week begins 15 September. We can't wait to meet you!"],
      button=("Start enrolment", "https://my.northbridge-uni.example/enrol"),
      footer="Northbridge University Admissions Office"), date="2025-08-14 11:30")

M(cls=H, cat="service", lang="es", name="colegio-circular-excursion", prof="inhouse", tz="+0100",
  frm=("CEIP Los Almendros", "secretaria@ceiplosalmendros.example"), to="jgarcia@example.com",
  subj="Circular: excursión 4º Primaria al Museo de Ciencias - autorización",
  text="""Estimadas familias de 4º de Primaria:

El próximo viernes 21 de noviembre realizaremos una excursión al Museo de Ciencias. Salida a las 9:00 y regreso a las 14:30.

Coste: 12 € (autobús y entrada). Por favor, entregad la autorización firmada y el dinero en un sobre con el nombre del alumno antes del martes 18.

Los niños deben llevar almuerzo y agua.

Un saludo,
Equipo docente de 4º
""", attach=[("Autorizacion_excursion.pdf", "application/pdf", fake_pdf(["Autorizacion excursion 4 Primaria", "Museo de Ciencias - 21/11"]))])

M(cls=H, cat="service", lang="en", name="school-snow-day-closure", prof="sendgrid", tz="-0500",
  frm=("Maple Grove School District", "alerts@maplegrove-sd.example"), to="jdoe@example.com",
  subj="URGENT: ALL SCHOOLS CLOSED TODAY - Tuesday Jan 21",
  text="""ALL Maple Grove schools and offices are CLOSED today, Tuesday January 21, due to icy roads and wind chills below -20F.

All after-school activities and evening events are cancelled. Meal pick-up will NOT be available.

Stay safe and warm.

Maple Grove School District
""", date="2025-01-21 05:30")

M(cls=H, cat="service", lang="es", name="centro-salud-cita-recordatorio", prof="inhouse", tz="+0100",
  frm=("Salud Madrid - Citas", "citas@saludmadrid.example"), to="lucia.martin@example.es",
  subj="Recordatorio de cita: Medicina de Familia - martes 14/10 9:20",
  text="""Le recordamos su cita:

Centro de Salud Las Águilas
Medicina de Familia - Dra. Paloma Ruiz
Martes 14/10/2025 a las 9:20, consulta 12

Si no puede acudir, anule la cita desde la app o la web del Servicio de Salud para que otro paciente pueda aprovecharla.
""", date="2025-10-13 08:00")

M(cls=H, cat="service", lang="en", name="lab-results-available-portal", prof="postmark", tz="-0500",
  frm=("Riverside Health MyChart", "noreply@mychart.riversidehealth.example"), to="alex.morgan@example.com",
  subj="New test results are available",
  text="""Dear Alex,

A new test result is available in your patient portal. Log in to view it.

For your privacy, results are not included in this email. If you have questions about your results, send a message to your care team through the portal.

Riverside Health
""")

M(cls=H, cat="service", lang="pt", name="br-farmacia-pedido-pronto", prof="sendgrid", tz="-0300",
  frm=("Drogaria Vida", "pedidos@drogariavida.example"), to="beatriz.souza@example.com.br",
  subj="Seu pedido está pronto para retirada! 💊 + 20% OFF na próxima compra",
  html=card("Drogaria Vida", "#d32f2f", "Seu pedido #88412 está pronto!", [
      "Olá, Beatriz! Seu pedido já pode ser retirado na loja Vila Madalena até 22h.",
      "Leve um documento com foto. Medicamentos controlados exigem a receita original.",
      "<b>Presente pra você:</b> 20% OFF em dermocosméticos na próxima compra com o cupom VOLTE20."],
      button=("Ver pedido", "https://www.drogariavida.example/pedidos/88412"), lang="pt",
      footer="Drogaria Vida S.A. · Descadastrar"))

M(cls=H, cat="transactional", lang="es", name="seguro-coche-renovacion", prof="sfmc", tz="+0100",
  frm=("Mutua Ibérica Seguros", "comunicaciones@mutuaiberica.example"), to="diego.fernandez@example.org",
  subj="Renovación de tu seguro de coche: tu nueva prima",
  html=card("Mutua Ibérica", "#00695c", "Tu póliza se renueva el 1 de abril", [
      "Hola Diego:", "Tu seguro a todo riesgo con franquicia del vehículo 1234 KLM se renovará automáticamente el 1 de abril de 2026.",
      "Prima anual: <b>412,36 €</b> (el año pasado 398,10 €). Se cargará en tu cuenta domiciliada en la fecha de renovación.",
      "Si quieres revisar coberturas o cambiar la forma de pago, entra en tu área de cliente o llámanos."],
      button=("Ver mi póliza", "https://clientes.mutuaiberica.example/polizas"), lang="es",
      footer="Mutua Ibérica Seguros · Información sobre protección de datos en nuestra web"), date="2026-02-25 09:00")

M(cls=H, cat="transactional", lang="en", name="insurance-claim-approved", prof="ses-us", tz="-0500",
  frm=("Harborline Insurance Claims", "claims@harborline-ins.example"), to="jdoe@example.com",
  subj="Good news: your claim HL-2025-448120 is approved",
  text="""Hi Jordan,

Your claim for water damage (claim HL-2025-448120) has been approved.

Approved amount: $3,480.00
Deductible: $500.00
Payment: $2,980.00 by direct deposit to the account on file, within 3-5 business days.

Your adjuster is Maria Chen (ext. 4471).

Harborline Insurance
""")

M(cls=H, cat="service", lang="es", name="hacienda-borrador-renta-disponible", prof="inhouse", tz="+0100",
  frm=("Agencia Tributaria", "avisos@agenciatributaria.gob.example"), to="jgarcia@example.com",
  subj="Campaña de Renta 2025: su borrador ya está disponible",
  text="""Estimado/a contribuyente:

Le informamos de que ya puede consultar su borrador de la declaración de la Renta 2025 en la Sede electrónica de la Agencia Tributaria, accediendo con Cl@ve, certificado electrónico o número de referencia.

Recuerde que la Agencia Tributaria nunca le solicitará por correo electrónico datos personales, bancarios ni claves de acceso, ni le enviará enlaces para realizar pagos.

Plazo de presentación: hasta el 30 de junio de 2026.
""", date="2026-04-02 09:00")

M(cls=H, cat="service", lang="es", name="dgt-notificacion-deh-multa-real", prof="inhouse", tz="+0100",
  frm=("Dirección Electrónica Habilitada única", "notificaciones@dehu.gob.example"), to="diego.fernandez@example.org",
  subj="Tiene una nueva notificación pendiente de DGT - Jefatura Provincial de Tráfico",
  text="""Estimado/a Sr./Sra. DIEGO FERNANDEZ:

Le informamos que tiene a su disposición una notificación electrónica del organismo emisor:

Organismo: DIRECCIÓN GENERAL DE TRÁFICO - JEFATURA PROVINCIAL DE MADRID
Concepto: Notificación de denuncia (expediente 28-0447-112358-2)

Para acceder al contenido de la notificación, acceda a la Dirección Electrónica Habilitada única (DEHú) con su certificado electrónico o Cl@ve desde la sede oficial. Este correo no contiene enlaces.

Dispone de 10 días naturales desde la puesta a disposición para acceder. Transcurrido este plazo la notificación se entenderá rechazada.

Este es un aviso automático. No responda a este mensaje.
""")

M(cls=H, cat="service", lang="en", name="city-parking-ticket-paid", prof="postmark", tz="-0800",
  frm=("City of Harbor Bay Parking", "parking-noreply@harborbay-city.example"), to="sam@example.org",
  subj="Payment received: citation #HB77120043",
  text="""Thank you. Your payment has been received.

Citation: HB77120043
Violation: Expired meter
Amount paid: $48.00
Date paid: 03/18/2025

This citation is now closed. Keep this email as your receipt.

City of Harbor Bay - Parking Services
""", date="2025-03-18 12:12")

M(cls=H, cat="transactional", lang="es", name="luz-factura-disponible", prof="sfmc", tz="+0100",
  frm=("Energía Meridional", "facturas@energiameridional.example"), to="carmen.lopez@example.net",
  subj="Tu factura de luz de enero ya está disponible: 74,18 €",
  html=card("Energía Meridional", "#f57c00", "Tu factura de enero", [
      "Hola Carmen:", "Ya puedes consultar tu factura de luz del periodo 01/01/2026 – 31/01/2026.",
      "Importe: <b>74,18 €</b> · Consumo: 212 kWh · Cargo en cuenta el 15/02/2026.",
      "💡 Has consumido un 8 % menos que el mismo mes del año pasado."],
      button=("Ver factura", "https://clientes.energiameridional.example/facturas"), lang="es",
      footer="Energía Meridional Comercializadora S.A.U."), date="2026-02-04 07:30")

M(cls=H, cat="transactional", lang="en", name="water-bill-autopay", prof="ses-us", tz="-0600",
  frm=("Prairie Water Utility", "ebill@prairiewater.example"), to="jdoe@example.com",
  subj="Your water bill is ready - autopay scheduled",
  text="""Account ending 4471

Amount due: $62.37
Due date: 11/20/2025
AutoPay will draft this amount on the due date.

Usage this period: 4,200 gallons (last period: 4,800)

View your bill at prairiewater.example/myaccount
""")

M(cls=H, cat="transactional", lang="es", name="telco-fibra-instalacion", prof="sparkpost", tz="+0100",
  frm=("Movinet", "notificaciones@movinet.example"), to="pablo@example.es",
  subj="¡Tu fibra de 1 Gb ya está activa! 🚀",
  html=card("Movinet", "#1976d2", "¡Ya tienes fibra!", [
      "Hola Pablo, el técnico ha terminado la instalación y tu fibra de 1 Gb ya funciona.",
      "Wifi: MOVINET-7C21 · La contraseña está en la pegatina del router.",
      "Tu primera factura incluirá la parte proporcional de este mes. Recuerda: <b>3 meses GRATIS</b> de la plataforma de series, actívalos en la app."],
      button=("Activar mis 3 meses gratis", "https://movinet.example/app/promos"), lang="es",
      footer="Movinet Telecom S.L."))

M(cls=H, cat="transactional", lang="en", name="mobile-plan-roaming-alert", prof="inhouse", tz="+0100",
  frm=("Volt Mobile", "alerts@voltmobile.example"), to="hannah@mailbox.example",
  subj="Welcome to Spain! Roaming charges apply",
  text="""Welcome to Spain 🇪🇸

Your plan includes 15GB of EU roaming data. After that, data costs £2/GB. You've used 0.4GB so far this month.

Calls and texts to UK numbers are included.

Volt Mobile
""")

M(cls=H, cat="transactional", lang="es", name="banco-extracto-mensual", prof="sfmc", tz="+0100",
  frm=("Banco Meseta", "extractos@bancomeseta.example"), to="jgarcia@example.com",
  subj="Su extracto mensual de octubre ya está disponible",
  text="""Estimado cliente:

Le informamos que ya está disponible en su banca online el extracto de la cuenta terminada en ****3381 correspondiente al mes de octubre de 2025.

Por su seguridad, Banco Meseta nunca le pedirá sus claves, códigos SMS ni datos de tarjeta por correo electrónico o teléfono.

Banco Meseta, S.A.
""", date="2025-11-03 06:00")

M(cls=H, cat="transactional", lang="en", name="bank-large-transaction-alert", prof="ses-us", tz="-0500",
  frm=("Summit Federal Credit Union", "alerts@summitfcu.example"), to="alex.morgan@example.com",
  subj="Alert: a transaction over $500 was made on your card",
  text="""A purchase of $1,249.00 was made with your debit card ending 0921 at BESTELEC STORE 0442 on 11/29 at 2:14 PM.

If you made this purchase, no action is needed.

If you don't recognise it, call us at the number on the back of your card. We will never ask for your PIN or online banking password.

Summit Federal Credit Union
""", date="2025-11-29 14:15")

M(cls=H, cat="service", lang="fr", name="fr-mairie-inscription-cantine", prof="inhouse", tz="+0100",
  frm=("Mairie de Saint-Aubin", "enfance@mairie-saintaubin.example"), to="claire.dubois@example.fr",
  subj="Inscriptions cantine et périscolaire 2025-2026 : dernier délai le 4 juillet !",
  text="""Madame, Monsieur,

Les inscriptions à la restauration scolaire et à l'accueil périscolaire pour l'année 2025-2026 sont ouvertes sur le Portail Famille jusqu'au 4 juillet.

Attention : sans inscription, votre enfant ne pourra pas être accueilli à la rentrée.

Le service Enfance reste à votre disposition au 01 23 45 67 89.

Service Enfance - Mairie de Saint-Aubin
""", date="2025-06-20 10:00")

M(cls=H, cat="service", lang="de", name="de-finanzamt-bescheid-elster", prof="inhouse", tz="+0100",
  frm=("ELSTER", "noreply@elster.finanz.example"), to="jonas.weber@example.de",
  subj="Neue Nachricht in Ihrem ELSTER-Postfach",
  text="""Sehr geehrte Nutzerin, sehr geehrter Nutzer,

in Ihrem ELSTER-Postfach liegt eine neue Nachricht für Sie bereit (Steuerbescheid 2024).

Bitte melden Sie sich mit Ihrem Zertifikat an, um die Nachricht abzurufen. Aus Sicherheitsgründen enthält diese E-Mail keinen Link.

Ihr ELSTER-Team
""")

M(cls=H, cat="service", lang="it", name="it-asl-referto-pronto", prof="inhouse", tz="+0100",
  frm=("Fascicolo Sanitario", "noreply@fse.regione.example"), to="giulia.rossi@example.it",
  subj="Nuovo referto disponibile nel tuo Fascicolo Sanitario",
  text="""Gentile utente,

è disponibile un nuovo documento nel tuo Fascicolo Sanitario Elettronico: referto di laboratorio del 12/05/2025.

Accedi con SPID o CIE dal sito ufficiale della tua Regione per consultarlo.

Questo messaggio è generato automaticamente, non rispondere.
""", date="2025-05-13 09:10")

M(cls=H, cat="service", lang="es", name="mx-sat-acuse-declaracion", prof="inhouse", tz="-0600",
  frm=("SAT Avisos", "avisos@sat.gob.example"), to="carmen.lopez@example.net",
  subj="Acuse de recibo de su Declaración Anual 2024",
  text="""Estimado contribuyente:

Se recibió su Declaración Anual del ejercicio 2024 con número de operación 250412887761.

Resultado: saldo a favor de $4,312.00. La devolución se depositará en la cuenta CLABE registrada en un plazo aproximado de 5 días hábiles.

Este correo es informativo. El SAT no solicita información confidencial por correo electrónico ni envía archivos adjuntos ejecutables.
""", date="2025-04-12 17:00")

M(cls=H, cat="service", lang="eu", name="eu-udala-kirol-ikastaroak", prof="inhouse", tz="+0100",
  frm=("Udal Kiroldegia", "kiroldegia@udala-herria.example"), to="ane.etxeberria@example.eus",
  subj="Kirol ikastaroak 2025-2026: izen-ematea zabalik!",
  text="""Kaixo,

Udal kiroldegiko ikastaroetarako izen-ematea zabalik dago irailaren 15era arte: igeriketa, yoga, pilates eta padel.

Izena eman webgunean edo kiroldegiko harreran.

Udal Kiroldegia
""")

M(cls=H, cat="service", lang="es", name="co-eps-autorizacion-examen", prof="postmark", tz="-0500",
  frm=("Salud Andina EPS", "autorizaciones@saludandina.example"), to="jgarcia@example.com",
  subj="Su autorización de servicios fue APROBADA",
  text="""Señor(a) usuario(a):

Su solicitud de autorización No. 7712004 fue APROBADA.

Servicio: Resonancia magnética de rodilla derecha
Prestador: Clínica Los Nogales, Bogotá
Vigencia: 90 días

Comuníquese con el prestador para agendar su cita. Presente su documento de identidad.

Salud Andina EPS
""")

M(cls=H, cat="service", lang="en", name="dentist-appointment-confirm-reply", prof="mailgun", tz="+0000",
  frm=("Smile Studio Dental", "reception@smilestudio.example"), to="hannah@mailbox.example",
  subj="Please CONFIRM your appointment - reply C to confirm",
  text="""Hi Hannah,

This is a reminder of your check-up and hygiene appointment:

Wednesday 9 April, 2:40pm with Dr Patel
Smile Studio Dental, 22 High St

Reply C to confirm or call us to rearrange. Missed appointments without 24 hours notice are charged £25.

Smile Studio
""", date="2025-04-07 10:00")
