"""Legitimate mail from Latin America (Mexico, Argentina, Colombia, Chile), Brazil, Catalonia,
Galicia, the Basque Country, France, Germany and Italy — work, service, transactional and
security mail in the local idiom, some of it with words spam likes."""
from lib import M, fake_pdf, ics
from skins import card, mjml, outlook, gmail, simple

H = "ham"

M(cls=H, cat="transactional", lang="es", name="mx-cfdi-factura-timbrada", prof="sendgrid", tz="-0600",
  frm=("Facturación Papelería Azteca", "facturacion@papeleria-azteca.example"), to="carmen.lopez@example.net",
  subj="CFDI 4.0 - Factura A-18820 - Papelería Azteca",
  text="""Estimado cliente:

Adjuntamos su Comprobante Fiscal Digital por Internet (CFDI) versión 4.0.

Serie y folio: A-18820
Fecha de timbrado: 2025-09-04
Total: $2,146.00 MXN
Uso CFDI: G03 Gastos en general

Este correo se genera automáticamente.
""", attach=[("A-18820.pdf", "application/pdf", fake_pdf(["CFDI 4.0 Factura A-18820", "Papeleria Azteca", "Total 2,146.00 MXN"])),
              ("A-18820.xml", "application/xml", b'<?xml version="1.0" encoding="UTF-8"?>\n<cfdi:Comprobante Version="4.0" Serie="A" Folio="18820" Total="2146.00" Moneda="MXN" xmlns:cfdi="http://www.sat.gob.example/cfd/4"/>\n')])

M(cls=H, cat="security", lang="es", name="mx-banco-token-activado", prof="ses", tz="-0600",
  frm=("Banco Norteño", "notificaciones@banconorteno.example"), to="jgarcia@example.com",
  subj="Activaste tu Token Móvil en un nuevo celular",
  text="""Hola Javier:

El 14/08/2025 a las 21:07 (hora del Centro) activaste tu Token Móvil en un nuevo dispositivo (Samsung SM-A546).

Si no fuiste tú, llama de inmediato a la Línea Norteño desde el número que aparece al reverso de tu tarjeta. Nunca te pediremos tu NIP ni las claves de tu token.

Banco Norteño
""", date="2025-08-14 21:08")

M(cls=H, cat="service", lang="es", name="ar-expensas-consorcio", prof="personal", tz="-0300",
  frm=("Administración Consorcio Av. Rivadavia 5120", "adm.rivadavia5120@correo.example"), to="diego.fernandez@example.org",
  subj="Expensas octubre - vencimiento 10/10 + aviso corte de agua",
  text="""Estimados copropietarios:

Adjuntamos la liquidación de expensas de octubre. Vencimiento: 10/10. Pasado el vencimiento se aplica un recargo del 3%.

Se puede pagar por transferencia (CBU en la liquidación) o en la portería de 9 a 13.

AVISO: el martes 7 habrá corte de agua de 10 a 16 hs por cambio del tanque.

Saludos cordiales,
La Administración
""", attach=[("Expensas_Octubre_UF12.pdf", "application/pdf", fake_pdf(["Consorcio Av. Rivadavia 5120", "Expensas octubre UF 12", "Total $ 98.450"]))])

M(cls=H, cat="transactional", lang="es", name="ar-billetera-transferencia-recibida", prof="sparkpost", tz="-0300",
  frm=("Mercadito Pago", "avisos@mercaditopago.example"), to="pablo@example.es",
  subj="¡Recibiste $45.000 de Martina López!",
  html=card("Mercadito Pago", "#009ee3", "Recibiste $45.000", [
      "Martina López te envió dinero. Motivo: <i>\"alquiler quincho sábado\"</i>",
      "El dinero ya está disponible en tu cuenta y te rinde desde hoy."],
      button=("Ver actividad", "https://www.mercaditopago.example/activities"), lang="es",
      footer="Nunca te pediremos claves ni códigos por e-mail."))

M(cls=H, cat="work", lang="es", name="co-agencia-cotizacion-campana", prof="personal", tz="-0500",
  frm=("Andrés Cárdenas", "andres.cardenas@agenciaflor.example"), to="carmen.lopez@example.net",
  subj="Cotización campaña digital Q4 - Tienda Café Sierra",
  text="""Hola Carmen, buenas tardes.

Como quedamos en la reunión del martes, te comparto la cotización para la campaña de Q4:

- Estrategia y piezas gráficas: COP 4.800.000
- Pauta en redes (administración): COP 1.200.000 mensuales
- Reporte quincenal de resultados

La pauta se factura aparte según lo que ustedes definan. Quedo atento a tus comentarios, si te parece lo revisamos el jueves.

Un abrazo,
Andrés Cárdenas
Agencia Flor · Medellín
""", attach=[("Cotizacion_CafeSierra_Q4.pdf", "application/pdf", fake_pdf(["Cotizacion campana Q4", "Cafe Sierra", "COP 4.800.000"]))])

M(cls=H, cat="service", lang="es", name="co-colegio-reunion-padres", prof="brevo", tz="-0500",
  frm=("Colegio Los Andes", "comunicaciones@colegiolosandes.example"), to="jgarcia@example.com",
  subj="Citación entrega de boletines - segundo periodo",
  text="""Señores padres de familia:

Los citamos a la entrega de boletines del segundo periodo el sábado 14 de junio de 7:30 a. m. a 12:00 m. en el salón de cada curso.

Recuerden que para recibir el boletín deben estar a paz y salvo con las pensiones de abril y mayo.

Cordialmente,
Coordinación Académica
""")

M(cls=H, cat="transactional", lang="es", name="cl-boleta-electronica-isapre", prof="ses", tz="-0400",
  frm=("Farmacias del Pacífico", "boletas@farmaciaspacifico.example"), to="diego.fernandez@example.org",
  subj="Tu boleta electrónica N° 55812094",
  text="""Gracias por tu compra.

Boleta electrónica N° 55812094
Local: Providencia 1120
Total: $18.490 (bonificación convenio isapre aplicada: -$4.120)

Descarga tu boleta en el sitio del Servicio de Impuestos Internos con el folio indicado.
""")

M(cls=H, cat="work", lang="es", name="cl-pega-turnos-diciembre", prof="ms365", tz="-0300",
  frm=("Camila Núñez", "cnunez@transportesaustral.example"), to="diego.fernandez@example.org",
  subj="Turnos diciembre + aguinaldo de fiestas patrias... digo, de Navidad 😅",
  html=outlook(["Hola equipo,", "", "Les adjunto los turnos de diciembre. Revisen que estén bien antes del viernes, después se publican en el diario mural.",
                "El bono de Navidad se paga junto con la remuneración del 28. ¡Bacán!", "", "Saludos,"], lang="ES-CL", sig="Camila Núñez · RRHH Transportes Austral"),
  attach=[("Turnos_Diciembre.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(48)) + b"PK\x05\x06" + bytes(18))])

M(cls=H, cat="security", lang="pt", name="br-pix-chave-cadastrada", prof="sfmc", tz="-0300",
  frm=("Banco Ipê", "seguranca@bancoipe.example"), to="beatriz.souza@example.com.br",
  subj="Nova chave Pix cadastrada na sua conta",
  text="""Olá, Beatriz.

Uma nova chave Pix (celular terminado em 4471) foi cadastrada na sua conta corrente em 03/06/2025 às 19:42, pelo app no seu aparelho habitual.

Se não foi você, bloqueie o acesso pelo app ou ligue para a central. O Banco Ipê não liga pedindo senha nem envia links para "regularizar" chave Pix.
""", date="2025-06-03 19:43")

M(cls=H, cat="transactional", lang="pt", name="br-nota-fiscal-loja-online", prof="sendgrid", tz="-0300",
  frm=("Loja Pitanga", "nfe@lojapitanga.example"), to="beatriz.souza@example.com.br",
  subj="Nota Fiscal Eletrônica do seu pedido #PT-55120",
  text="""Olá, Beatriz!

Seu pedido #PT-55120 foi faturado. Em anexo, a DANFE da Nota Fiscal Eletrônica.

Chave de acesso: 3525 0612 3456 7800 0190 5500 1000 0441 2010 0004 4120

O prazo de entrega começa a contar a partir de hoje. Você receberá o código de rastreio em breve.

Loja Pitanga
""", attach=[("DANFE_PT-55120.pdf", "application/pdf", fake_pdf(["DANFE - Nota Fiscal Eletronica", "Pedido PT-55120", "Loja Pitanga"]))])

M(cls=H, cat="work", lang="pt", name="br-reuniao-sprint-review", prof="personal", tz="-0300",
  frm=("Thiago Almeida", "thiago.almeida@startupjabuti.example"), to="beatriz.souza@example.com.br",
  subj="Sprint review amanhã - mudou a sala!!",
  text="""Pessoal, a sprint review de amanhã vai ser na sala Ipanema (a Copacabana tá em obra). Mesmo horário, 15h.

Bia, você apresenta a parte do checkout novo? 10 min tá ótimo.

Valeu!
Thiago
""")

M(cls=H, cat="newsletter", lang="pt", name="br-newsletter-podcast-semanal", prof="mailchimp", bulk=True, tz="-0300",
  frm=("Café com Dados", "ola@cafecomdados.example"), to="beatriz.souza@example.com.br",
  subj="☕ Novo episódio: como a gente mede churn + vaga aberta!",
  html=mjml("Café com Dados", "#6d4c41", "Novo episódio", [("h", "Episódio 87: medindo churn sem se enganar"),
            "Nesta semana conversamos com a Renata sobre coortes, sazonalidade e por que média mente.",
            ("btn", "Ouvir agora", "https://cafecomdados.example/ep87"),
            "<b>Vaga aberta:</b> uma das nossas apoiadoras está contratando analista de dados pleno, 100% remoto."],
            footer="Você recebe isto porque assinou a newsletter do Café com Dados. Cancelar inscrição", lang="pt"))

M(cls=H, cat="service", lang="ca", name="ca-escola-inscripcio-casal", prof="inhouse", tz="+0200",
  frm=("AFA Escola Sant Jordi", "afa@escolasantjordi.example"), to="jordi.puig@example.cat",
  subj="Inscripcions al Casal d'Estiu 2025 - ÚLTIMES PLACES!",
  text="""Benvolgudes famílies,

Queden les últimes places per al Casal d'Estiu (del 25 de juny al 25 de juliol). Preu per setmana: 95 € socis de l'AFA, 115 € no socis. Servei de menjador opcional.

Inscripcions a la web de l'AFA fins divendres.

Gràcies!
Junta de l'AFA
""", date="2025-06-02 09:00")

M(cls=H, cat="transactional", lang="ca", name="ca-rebut-quota-cooperativa", prof="brevo", tz="+0100",
  frm=("Coop Energia Veïnal", "socis@coopenergiaveinal.example"), to="jordi.puig@example.cat",
  subj="La teva factura d'electricitat de novembre",
  text="""Hola Jordi,

Ja tens disponible la factura d'electricitat del període 01/11 - 30/11.

Import: 51,22 €
Energia consumida: 168 kWh, 100% renovable
Es carregarà al teu compte el 10 de desembre.

Gràcies per formar part de la cooperativa!
""")

M(cls=H, cat="service", lang="gl", name="gl-concello-obras-rua", prof="inhouse", tz="+0100",
  frm=("Concello de Lalín", "avisos@concello-lalin.example"), to="uxia.otero@example.gal",
  subj="Aviso: corte de tráfico na Rúa Principal por obras",
  text="""Veciñas e veciños:

Informámosvos de que desde o luns 10 ata o venres 14 de marzo a Rúa Principal estará cortada ao tráfico entre as 8:00 e as 18:00 por obras de renovación da rede de saneamento.

Sentimos as molestias.

Concello de Lalín
""")

M(cls=H, cat="work", lang="eu", name="eu-lankide-bilera-astelehena", prof="personal", tz="+0100",
  frm=("Mikel Arana", "mikel.arana@kooperatiba-lana.example"), to="ane.etxeberria@example.eus",
  subj="Bilera astelehenean 10:00etan",
  text="""Kaixo Ane,

Astelehenean 10:00etan bilera izango dugu bigarren solairuko gelan, aurrekontua berrikusteko. Ekarri mesedez azken hiruhilekoko datuak.

Eskerrik asko,
Mikel
""")

M(cls=H, cat="transactional", lang="fr", name="fr-sncf-like-billet-confirme", prof="sfmc", tz="+0100",
  frm=("RailFrance", "confirmation@railfrance.example"), to="claire.dubois@example.fr",
  subj="Votre voyage Paris → Lyon est confirmé",
  html=card("RailFrance", "#9c27b0", "Bon voyage, Claire !", [
      "<b>Paris Gare de Lyon → Lyon Part-Dieu</b>", "Vendredi 18 avril · 08:04 → 10:00 · Voiture 7, place 64",
      "Référence dossier : QPLX7T · Total payé : 49,00 €", "Votre e-billet est disponible dans l'application."],
      button=("Voir mon billet", "https://www.railfrance.example/mes-voyages"), lang="fr",
      footer="RailFrance Voyageurs"))

M(cls=H, cat="service", lang="fr", name="fr-assurance-maladie-remboursement", prof="inhouse", tz="+0100",
  frm=("Assurance Maladie", "ne-pas-repondre@assurance-maladie.gouv.example"), to="m.lefevre@example.org",
  subj="Un nouveau remboursement est disponible sur votre compte",
  text="""Bonjour,

Un remboursement de 17,50 € a été effectué le 06/03/2025 pour des soins du 28/02/2025.

Retrouvez le détail dans votre espace personnel, sur l'application ou le site officiel.

Attention : l'Assurance Maladie ne vous demande jamais vos coordonnées bancaires par e-mail ou SMS.
""", date="2025-03-06 08:00")

M(cls=H, cat="work", lang="fr", name="fr-collegue-urgent-devis-signe", prof="ms365", tz="+0100",
  frm=("Julien Moreau", "j.moreau@bureau-etudes-loire.example"), to="claire.dubois@example.fr",
  subj="URGENT : devis signé à renvoyer avant 17h !!",
  html=outlook(["Claire,", "", "Le client vient de valider le devis pour la rénovation thermique, il nous faut la version signée <b>avant 17h</b> sinon on perd le créneau de l'entreprise de menuiserie.",
                "Tu peux t'en occuper ? Je suis en rendez-vous chantier tout l'après-midi.", "", "Merci !!"], lang="FR", sig="Julien Moreau · Bureau d'études Loire"))

M(cls=H, cat="list", lang="fr", name="fr-asso-velo-sortie-dimanche", prof="ggroups", tz="+0200",
  frm=("Hélène Garnier", "helene.garnier@example.fr"), to="velo-rochelais@googlegroups.example",
  list_id="Vélo Rochelais <velo-rochelais.googlegroups.example>",
  subj="[Vélo Rochelais] Sortie dimanche : 65 km vers l'île de Ré",
  text="""Salut à tous !

Dimanche, départ 8h30 du Vieux-Port pour 65 km tranquilles vers l'île de Ré (allure 25 km/h). Pause café à Saint-Martin.

Casque obligatoire, chambre à air de rechange conseillée !

Hélène
""")

M(cls=H, cat="transactional", lang="de", name="de-paket-abholstation", prof="sparkpost", tz="+0100",
  frm=("PaketBlitz", "benachrichtigung@paketblitz.example"), to="jonas.weber@example.de",
  subj="Ihr Paket liegt zur Abholung bereit",
  text="""Hallo Jonas Weber,

Ihr Paket 00340434161094023781 konnte nicht zugestellt werden und liegt ab morgen 10 Uhr in der Packstation 142, Hauptstraße 8, zur Abholung bereit.

Abholcode: 4471 (gültig 7 Tage)

Es fallen keine Gebühren an.

Ihr PaketBlitz-Team
""")

M(cls=H, cat="service", lang="de", name="de-verein-mitgliederversammlung", prof="personal", tz="+0100",
  frm=("TSV Grünwald 1899 e.V.", "vorstand.tsvgruenwald@mailbox.example"), to="jonas.weber@example.de",
  subj="Einladung zur Mitgliederversammlung 2025",
  text="""Liebe Mitglieder,

hiermit laden wir euch zur ordentlichen Mitgliederversammlung am Freitag, 21. März, 19:30 Uhr im Vereinsheim ein.

Tagesordnung:
1. Bericht des Vorstands
2. Kassenbericht und Entlastung
3. Beitragsanpassung (Erhöhung um 2 € pro Monat)
4. Neuwahlen
5. Verschiedenes

Sportliche Grüße
Der Vorstand
""", date="2025-02-28 18:00")

M(cls=H, cat="security", lang="de", name="de-bank-pushtan-neues-geraet", prof="inhouse", tz="+0100",
  frm=("Sparkasse Musterstadt", "noreply@sparkasse-musterstadt.example"), to="anna.k@example.org",
  subj="Neues Gerät für pushTAN registriert",
  text="""Guten Tag Frau Krüger,

am 12.01.2026 um 18:22 Uhr wurde ein neues Gerät für das pushTAN-Verfahren registriert.

Falls Sie das nicht waren, sperren Sie bitte sofort Ihren Online-Banking-Zugang über den Sperr-Notruf 116 116.

Wir fragen niemals per E-Mail oder Telefon nach TANs oder Ihrer PIN.

Ihre Sparkasse Musterstadt
""", date="2026-01-12 18:25")

M(cls=H, cat="newsletter", lang="de", name="de-buchhandlung-lesung", prof="mailchimp", bulk=True, tz="+0100",
  frm=("Buchhandlung am Markt", "info@buchhandlung-am-markt.example"), to="anna.k@example.org",
  subj="Lesung am Donnerstag + 20 % auf alle Kalender 📅",
  html=mjml("Buchhandlung am Markt", "#1565c0", "Neues vom Markt", [("h", "Lesung: Marie Hoffmann liest aus »Die stille Insel«"),
            "Donnerstag, 20 Uhr, Eintritt 8 €, Reservierung empfohlen.",
            ("h", "20 % auf alle Kalender 2026"), "Nur bis Samstag im Laden.",
            ("btn", "Platz reservieren", "https://buchhandlung-am-markt.example/lesung")],
            footer="Buchhandlung am Markt · Newsletter abbestellen", lang="de"))

M(cls=H, cat="transactional", lang="it", name="it-treno-biglietto-cambio", prof="sfmc", tz="+0100",
  frm=("Treni Veloci", "noreply@treniveloci.example"), to="giulia.rossi@example.it",
  subj="Cambio biglietto confermato - Milano → Roma",
  text="""Gentile Giulia,

il cambio del tuo biglietto è stato confermato.

Milano Centrale → Roma Termini
Sabato 22/03 · partenza 09:10 · arrivo 12:20
Carrozza 5, posto 8A
Codice PNR: XK41PQ

Differenza pagata: 9,90 €

Buon viaggio!
""", date="2025-03-20 15:00")

M(cls=H, cat="work", lang="it", name="it-studio-commercialista-f24", prof="personal", tz="+0100",
  frm=("Studio Ferri Commercialisti", "segreteria@studioferri.example"), to="marco.b@example.org",
  subj="F24 in scadenza il 16 - da pagare entro lunedì",
  text="""Buongiorno Marco,

le inviamo in allegato il modello F24 con il saldo IVA e i contributi in scadenza il 16 giugno. Importo totale: 1.842,00 €.

Può pagarlo con l'home banking; ci mandi la quietanza quando fatto.

Cordiali saluti,
Segreteria Studio Ferri
""", attach=[("F24_giugno.pdf", "application/pdf", fake_pdf(["Modello F24", "Scadenza 16 giugno", "Totale 1.842,00 EUR"]))])

M(cls=H, cat="personal", lang="it", name="it-condominio-chat-vicini", prof="personal", tz="+0200",
  frm=("Paola (interno 5)", "paola.int5@example.it"), to="giulia.rossi@example.it",
  subj="Chiavi per il tecnico caldaia",
  text="""Ciao Giulia! Domani mattina viene il tecnico per la caldaia condominiale e io sono al lavoro. Posso lasciarti le chiavi del locale caldaia nella cassetta della posta?

Grazie mille, ti devo un caffè ☕
Paola
""")

M(cls=H, cat="security", lang="en", name="streaming-new-device-signin", prof="ses-us", tz="-0500",
  frm=("Flixnest", "info@account.flixnest.example"), to="jdoe@example.com",
  subj="New sign-in to your account",
  html=card("Flixnest", "#e50914", "New sign-in detected", [
      "Hi Jordan, someone signed in to your Flixnest account on a new device.",
      "Device: Smart TV · Location: Columbus, OH · Time: Nov 2, 8:41 PM EST",
      "If this was you, enjoy! If not, change your password in Account settings — we never ask for payment details by email."],
      footer="Flixnest · Questions? Visit the Help Center from the app."))

M(cls=H, cat="security", lang="es", name="red-social-codigo-verificacion", prof="ses", tz="-0500",
  frm=("Fotogram", "security@mail.fotogram.example"), to="carmen.lopez@example.net",
  subj="482 117 es tu código de Fotogram",
  text="""Hola, carmen.lopez:

Alguien intenta iniciar sesión en tu cuenta de Fotogram. Si fuiste tú, usa este código:

482117

Si no fuiste tú, puedes ignorar este mensaje; tu cuenta sigue protegida. No compartas este código con nadie.
""")

M(cls=H, cat="transactional", lang="en", name="gym-membership-freeze-confirmed", prof="mailgun", tz="+0000",
  frm=("PulseFit", "members@pulsefit.example"), to="hannah@mailbox.example",
  subj="Your membership freeze is confirmed ❄️",
  text="""Hi Hannah,

Your PulseFit membership is frozen from 1 July to 31 July. You won't be charged for July; your £34.99 direct debit resumes on 1 August.

Enjoy your summer! Your 10% loyalty discount stays in place.

PulseFit Members Team
""")

M(cls=H, cat="transactional", lang="es", name="paqueteria-entrega-fallida-real", prof="sparkpost", tz="+0100",
  frm=("Envíos Rápidos Península", "avisos@enviosrapidos.example"), to="lucia.martin@example.es",
  subj="No pudimos entregar tu envío 0082 4471 2290 - elige nueva fecha",
  text="""Hola Lucía:

Hoy a las 11:42 intentamos entregar tu envío 0082 4471 2290 (remitente: Libros Ancla) pero no había nadie en el domicilio.

Puedes elegir una nueva fecha de entrega o recogerlo en el punto de conveniencia más cercano desde la app o la web, introduciendo el número de envío. No hay ningún coste adicional.

Envíos Rápidos Península
""")
