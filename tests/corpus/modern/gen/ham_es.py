"""Correo legítimo moderno en español (España y Latinoamérica), escrito para este corpus."""
from lib import M, fake_pdf, ics
from skins import card, mjml, outlook, gmail, simple, esc

H = "ham"

# ------------------------------------------------------------------ transaccional
M(cls=H, cat="transactional", lang="es", name="pedido-supermercado-online", prof="sendgrid", tz="+0100", date="2025-01-27 20:14",
  frm=("Mercado Verde", "pedidos@mercadoverde.example"), to="lucia.martin@example.es",
  subj="Hemos recibido tu pedido nº 58213994",
  text="""¡Hola, Lucía!

Hemos recibido tu pedido y ya lo estamos preparando.

Pedido: 58213994
Entrega: martes 28 de enero, entre las 19:00 y las 20:00
Dirección: C/ Río Duero 14, 3º B, 28029 Madrid

Resumen
  23 productos ............... 71,38 €
  Gastos de envío ............  0,00 € (pedido superior a 60 €)
  Total ...................... 71,38 €

Puedes modificar el pedido hasta las 23:59 de hoy desde la app o la web.

Gracias por comprar en Mercado Verde.
""",
  html=card("Mercado Verde", "#2e7d32", "¡Hemos recibido tu pedido!", [
      "Hola, Lucía. Ya lo estamos preparando.",
      '<table width="100%" cellpadding="6" style="font-size:14px;background:#f1f8e9;border-radius:6px"><tr><td>Pedido</td><td align="right"><b>58213994</b></td></tr><tr><td>Entrega</td><td align="right">martes 28 de enero, 19:00–20:00</td></tr><tr><td>Dirección</td><td align="right">C/ Río Duero 14, 3º B, 28029 Madrid</td></tr><tr><td>Total (23 productos)</td><td align="right"><b>71,38 €</b></td></tr></table>',
      "Puedes modificar el pedido hasta las 23:59 de hoy desde la app o la web."],
      button=("Ver o modificar pedido", "https://www.mercadoverde.example/mis-pedidos/58213994"), lang="es",
      footer="Mercado Verde S.L. · CIF B00000000 · Madrid<br>Has recibido este correo porque realizaste un pedido.",
      pixel="https://u4411.ct.sgsend.example/wf/open?upn=mv58213994"))

M(cls=H, cat="transactional", lang="es", name="factura-telefonia-pdf", prof="sfmc", tz="+0100", date="2025-03-03 08:15",
  frm=("Movilnet", "facturas@movilnet.example"), to="jgarcia@example.com",
  subj="Tu factura de marzo ya está disponible",
  text="""Hola Javier:

Ya tienes disponible tu factura de marzo de 2025.

Importe: 38,90 € (IVA incluido)
Fecha de cargo: 8 de marzo de 2025
Cuenta de cargo: ES** **** **** **** **** 4521

Te la adjuntamos en PDF. También puedes consultarla en el Área de Clientes o en la app Mi Movilnet.

Un saludo,
Atención al Cliente Movilnet
""", attach=[("Factura_M250300412.pdf", "application/pdf", fake_pdf(["MOVILNET - Factura M250300412", "Periodo: 01/02/2025 - 28/02/2025", "Fibra 600Mb + Movil 30GB", "Base 32,15 EUR  IVA 21% 6,75 EUR  Total 38,90 EUR"]))])

M(cls=H, cat="transactional", lang="es", name="envio-paqueteria-mx", prof="ses-us", tz="-0600",
  frm=("Rápido Envíos", "notificaciones@rapidoenvios.example"), to="carmen.lopez@example.net",
  subj="Tu paquete llega mañana 📦",
  html="""<html><body style="margin:0;background:#f2f2f2;font-family:Arial,Helvetica,sans-serif">
<table width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:20px 0">
<table width="580" cellpadding="0" cellspacing="0" style="background:#ffffff">
<tr><td style="background:#d32f2f;color:#fff;font-size:22px;font-weight:bold;padding:16px 24px">Rápido Envíos</td></tr>
<tr><td style="padding:24px;color:#333">
<p style="font-size:20px;margin:0 0 10px">¡Hola, Carmen! Tu paquete llega mañana.</p>
<p style="margin:0 0 16px">Guía: <b>RE 7720 4419 5531 MX</b><br>Remitente: Librería El Péndulo en línea</p>
<table cellpadding="0" cellspacing="0" width="100%"><tr>
<td width="25%" style="border-top:4px solid #d32f2f;font-size:12px;padding-top:6px">Recolectado</td>
<td width="25%" style="border-top:4px solid #d32f2f;font-size:12px;padding-top:6px">En tránsito</td>
<td width="25%" style="border-top:4px solid #d32f2f;font-size:12px;padding-top:6px"><b>En ruta mañana</b></td>
<td width="25%" style="border-top:4px solid #ccc;font-size:12px;padding-top:6px;color:#999">Entregado</td></tr></table>
<p style="margin:20px 0">Horario estimado: 9:00 a 18:00 h. Si no hay nadie en casa, dejaremos un aviso y haremos un segundo intento.</p>
<a href="https://rastreo.rapidoenvios.example/?guia=RE77204419553MX" style="background:#d32f2f;color:#fff;text-decoration:none;padding:10px 20px;border-radius:3px">Rastrear envío</a>
</td></tr>
<tr><td style="padding:16px 24px;font-size:11px;color:#888;background:#fafafa">Rápido Envíos nunca te pedirá pagos por correo o SMS para entregar un paquete. Aviso de privacidad en nuestro sitio.</td></tr>
</table></td></tr></table>
<img src="https://e.rapidoenvios.example/o/0102019b" width="1" height="1" alt=""></body></html>""")

M(cls=H, cat="transactional", lang="es", name="reserva-restaurante", prof="mailgun", tz="+0200", date="2025-06-12 13:05",
  frm=("MesaLibre", "reservas@mesalibre.example"), to="marta.r@correo.example",
  subj="Reserva confirmada en Casa Nieves: sábado 14, 21:30",
  text="""Hola Marta,

Tu reserva está confirmada.

Casa Nieves
Sábado, 14 de junio · 21:30
4 personas · Terraza

C/ de la Cava Baja 22, Madrid

Si no vais a poder ir, cancela desde el enlace de abajo para que otra persona pueda aprovechar la mesa:
https://mesalibre.example/r/CN-88213/cancelar

¡Que aproveche!
MesaLibre
""")

M(cls=H, cat="transactional", lang="es", name="billete-tren-ave", prof="inhouse", tz="+0100", date="2024-12-18 17:22",
  frm=("Ferrovía Billetes", "billetes@ferrovia.example"), to="diego.fernandez@example.org",
  subj="Confirmación de compra - Localizador Q7MZ4T",
  text="""Estimado/a cliente:

Le confirmamos la compra de su billete.

Localizador: Q7MZ4T
Ida: 23/12/2024  Madrid-Puerta de Atocha 16:05 -> Valencia Joaquín Sorolla 17:52
Coche 6, plaza 08A · Tarifa Básica
Viajero: DIEGO FERNANDEZ

Importe total: 27,40 €

Adjuntamos la tarjeta de embarque en formato PDF. Recuerde llevarla en el móvil o impresa junto con su DNI.

Le deseamos un feliz viaje.
""", attach=[("billete_Q7MZ4T.pdf", "application/pdf", fake_pdf(["FERROVIA - Tarjeta de embarque", "Q7MZ4T  Madrid 16:05 -> Valencia 17:52", "Coche 6 Plaza 08A"]))])

M(cls=H, cat="transactional", lang="es", name="recibo-luz-ar", prof="inhouse", tz="-0300", charset="iso-8859-1",
  frm=("Energía del Plata - Factura Digital", "facturadigital@energiaplata.example"), to="pablo@example.es",
  subj="Su factura digital está disponible",
  text="""Estimado cliente:

Le informamos que su factura de electricidad ya está disponible.

Nro. de cliente: 0044-118293
Período: 05/2025
Vencimiento: 18/06/2025
Importe: $ 48.215,60

Puede abonarla por home banking, billetera virtual o en cualquier punto de pago habilitado.
Para ver el detalle ingrese a la Oficina Virtual: https://oficinavirtual.energiaplata.example

Atentamente,
Energía del Plata S.A.

Este es un mensaje automático, por favor no lo responda.
""", date="2025-06-02 09:40")

M(cls=H, cat="transactional", lang="es", name="compra-entradas-concierto", prof="sparkpost", tz="+0100",
  frm=("Taquilla Viva", "entradas@taquillaviva.example"), to="pablo@example.es",
  subj="Tus entradas para Vetusta Morla – WiZink Center",
  html=mjml("Taquilla Viva", "#6a1b9a", "Tus entradas", [
      ("h", "¡Ya tienes tus entradas!"),
      "Concierto: <b>Vetusta Morla</b><br>WiZink Center, Madrid<br>Viernes, 7 de noviembre · Apertura de puertas 19:30",
      "2 × Pista general · 45,00 € c/u<br>Gastos de gestión: 6,20 €<br><b>Total: 96,20 €</b>",
      "Las entradas están en la app de Taquilla Viva. No hace falta imprimirlas: el código QR se activa 24 h antes del evento.",
      ("btn", "Ver mis entradas", "https://taquillaviva.example/mis-entradas?o=TV-4419022"),
  ], footer="Taquilla Viva S.A. · Política de privacidad · Has recibido este correo por una compra realizada con tu cuenta.", lang="es",
      pixel="https://spgo.taquillaviva.example/q/o/TV-4419022"))

M(cls=H, cat="transactional", lang="es", name="transferencia-bizum-recibida", prof="inhouse", tz="+0100",
  frm=("Banco Aurora", "avisos@bancoaurora.example"), to="lucia.martin@example.es",
  subj="Has recibido un Bizum de 15,00 €",
  text="""Hola LUCIA,

Has recibido 15,00 € de ANDREA S. R. con el concepto "cena jueves".

Puedes consultar el movimiento en la app de Banco Aurora.

Por tu seguridad, recuerda que Banco Aurora nunca te pedirá claves ni códigos por correo electrónico.
""")

M(cls=H, cat="transactional", lang="es", name="extracto-tarjeta-co", prof="sfmc", tz="-0500", date="2025-08-05 07:00",
  frm=("Banco del Valle", "extractos@bancodelvalle.example"), to="carmen.lopez@example.net",
  subj="Su extracto de tarjeta de crédito - julio 2025",
  text="""Señora CARMEN LOPEZ:

Adjuntamos el extracto de su tarjeta de crédito terminada en 8834 correspondiente al corte de julio de 2025.

Pago total: $ 1.284.350
Pago mínimo: $ 142.900
Fecha límite de pago: 20 de agosto de 2025

El archivo está protegido con los últimos 4 dígitos de su documento de identidad.

Banco del Valle - Vigilado Superintendencia Financiera
""", attach=[("Extracto_072025.pdf", "application/pdf", fake_pdf(["BANCO DEL VALLE - Extracto tarjeta ****8834", "Corte: 31/07/2025", "Pago total: $ 1.284.350"]))])

M(cls=H, cat="transactional", lang="es", name="devolucion-tienda-ropa", prof="klaviyo", tz="+0100",
  frm=("Lana & Lino", "hola@lanaylino.example"), to="marta.r@correo.example",
  subj="Hemos recibido tu devolución",
  html=card("LANA & LINO", "#8d6e63", "Hemos recibido tu devolución", [
      "Hola Marta,", "Ya tenemos en el almacén el jersey de punto (talla M) que nos enviaste.",
      "Te hemos devuelto <b>59,95 €</b> a la tarjeta con la que pagaste. Según tu banco, puede tardar entre 3 y 5 días hábiles en aparecer.",
      "Gracias por tu paciencia."], lang="es",
      footer="Lana &amp; Lino · Calle del Tinte 3, Valencia<br>Este es un correo de servicio sobre tu pedido LL-10422."))

# ------------------------------------------------------------------ seguridad
M(cls=H, cat="security", lang="es", name="codigo-verificacion-banco", prof="ses", tz="+0100",
  frm=("Banco Aurora", "seguridad@bancoaurora.example"), to="jgarcia@example.com",
  subj="Código de verificación",
  text="""Tu código de verificación es: 730 155

Lo has solicitado para dar de alta un nuevo dispositivo en la app. Caduca en 5 minutos.

Si no has sido tú, no compartas este código con nadie y llámanos al 900 000 000.
""")

M(cls=H, cat="security", lang="es", name="nuevo-inicio-sesion", prof="sendgrid", tz="-0300",
  frm=("Mercadito", "seguridad@mercadito.example"), to="pablo@example.es",
  subj="Iniciaste sesión desde un nuevo dispositivo",
  html=card("mercadito", "#3483fa", "Iniciaste sesión desde un nuevo dispositivo", [
      "Hola Pablo:",
      "Detectamos un ingreso a tu cuenta desde <b>Chrome en Android</b> el 12/09/2025 a las 22:41 (Córdoba, Argentina, aprox.).",
      "Si fuiste vos, no tenés que hacer nada.",
      "Si no reconocés este ingreso, cambiá tu contraseña desde la app y revisá tus dispositivos conectados."],
      lang="es", footer="Mercadito nunca te va a pedir tu contraseña ni códigos por e-mail, WhatsApp o teléfono."),
  date="2025-09-12 22:43")

M(cls=H, cat="security", lang="es", name="restablecer-contrasena-app", prof="postmark", tz="+0200",
  frm=("Reparto Ya", "no-responder@repartoya.example"), to="diego.fernandez@example.org",
  subj="Restablece tu contraseña",
  text="""Hola Diego,

Recibimos una solicitud para restablecer la contraseña de tu cuenta de Reparto Ya.

Haz clic en el siguiente enlace para elegir una nueva (válido durante 30 minutos):
https://cuenta.repartoya.example/restablecer?t=hX29vQmL0aZs7

Si no lo solicitaste, puedes ignorar este mensaje.

El equipo de Reparto Ya
""")

M(cls=H, cat="security", lang="es", name="cambio-correo-cuenta", prof="inhouse", tz="-0600", charset="iso-8859-1",
  frm=("Servicio de Atención - Tienda Cúspide", "cuentas@tiendacuspide.example"), to="carmen.lopez@example.net",
  subj="Confirmación: se actualizó el correo de tu cuenta",
  text="""Hola Carmen,

Te confirmamos que el correo electrónico asociado a tu cuenta se cambió correctamente.

Fecha: 14 de octubre de 2024, 18:02 (hora del centro de México)

Si no realizaste este cambio, comunícate con nosotros al 55 5555 0100 de lunes a sábado de 8 a 20 h.

Atentamente,
Tienda Cúspide
""", date="2024-10-14 18:03")

M(cls=H, cat="security", lang="es", name="alerta-compra-tarjeta", prof="sfmc", tz="+0100",
  frm=("CaixaSur Alertas", "alertas@caixasur.example"), to="lucia.martin@example.es",
  subj="Compra con tu tarjeta ****5502",
  text="""Compra realizada con tu tarjeta terminada en 5502:

Comercio: FARMACIA LDO. GOMEZ
Importe: 12,45 EUR
Fecha: 03/02/2026 11:17

Si no reconoces esta operación, bloquea la tarjeta desde la app o llama al 900 100 200.

Puedes gestionar tus alertas en la banca online.
""", date="2026-02-03 11:17")

# ------------------------------------------------------------------ personal
M(cls=H, cat="personal", lang="es", name="madre-recetas-navidad", prof="personal", tz="+0100", date="2024-12-20 10:12",
  frm=("Pilar Martín", "pilar.martin55@example.net"), to="lucia.martin@example.es",
  subj="lo de nochebuena", ua=("User-Agent", "Roundcube Webmail/1.6.6"),
  text="""Hola hija

Te paso lo que necesito que traigas el 24, que tu hermano ya dijo que se encarga del vino:

- las gambas (1 kilo, de las grandes)
- pan de la panaderia de abajo, 2 barras
- turron del blando que es el que le gusta a la abuela

La cena a las 9 como siempre. Dile a Andrés que aparque en la calle de atrás que delante estan de obras.

Besos
mamá
""")

M(cls=H, cat="personal", lang="es", name="amigo-respuesta-piso", prof="personal", tz="+0100",
  frm=("Sergio Ruiz", "sergio.ruiz@example.com"), to="diego.fernandez@example.org",
  subj="Re: piso en Lavapiés", reply="<CAF3a9xLkq7@mail.example.org>",
  text="""Tío, el piso pinta bien pero 1.100 por 45 metros... Yo preguntaría si el precio incluye comunidad, y fíjate en las ventanas, que en esa zona en verano es un horno.

Si quieres el sábado me paso contigo a verlo, que tengo la mañana libre.

El mar, 11 feb 2025 a las 19:32, Diego Fernández (<diego.fernandez@example.org>) escribió:
> Mira este, lo vi ayer en el portal:
> 2 habitaciones, 45 m2, 3º sin ascensor, 1.100 €/mes
> ¿Cómo lo ves?
""",
  html=gmail(["Tío, el piso pinta bien pero 1.100 por 45 metros... Yo preguntaría si el precio incluye comunidad, y fíjate en las ventanas, que en esa zona en verano es un horno.", "",
              "Si quieres el sábado me paso contigo a verlo, que tengo la mañana libre."],
             ("El mar, 11 feb 2025 a las 19:32, Diego Fernández (&lt;<a href=\"mailto:diego.fernandez@example.org\">diego.fernandez@example.org</a>&gt;) escribió:",
              "<div dir=\"ltr\">Mira este, lo vi ayer en el portal:<div>2 habitaciones, 45 m2, 3º sin ascensor, 1.100 €/mes</div><div>¿Cómo lo ves?</div></div>")),
  date="2025-02-12 09:20")

M(cls=H, cat="personal", lang="es", name="abuela-fotos-nietos", prof="personal", tz="-0600",
  frm=("Rosa Elena Hernández", "rosaelena.h@example.com"), to="carmen.lopez@example.net",
  subj="FOTOS DEL CUMPLE", ua=("X-Mailer", "iPhone Mail (21F90)"),
  text="""Mija aqui te mando las fotos del cumple de Sofi, quedaron muy bonitas. La de la piñata es la mejor jajaja

Diles a los niños que los quiero mucho

Enviado desde mi iPhone
""", attach=[("IMG_2031.png", "image/png", bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a5d70000000049454e44ae426082"))])

M(cls=H, cat="personal", lang="es", name="quedada-antiguos-alumnos", prof="personal", tz="+0200",
  frm=("Nuria Vidal", "nuria.vidal@mailbox.example"), to="marta.r@correo.example",
  cc="Jordi P <jordi.p@example.net>, Elena M <elenam@example.com>",
  subj="¡20 años de la promo! cena en octubre",
  text="""¡Holaaa!

Jordi y yo estamos organizando una cena para celebrar los 20 años de que terminamos en el instituto (qué mayores somos...). Hemos pensado el sábado 18 de octubre en Barcelona, en algún sitio por Gràcia.

¿Podéis decirme antes del 15 de septiembre si os apuntáis? Y si tenéis contacto de gente que no está en el grupo, reenviadles esto porfa.

Un abrazo enorme
Nuria
""", date="2025-08-28 22:31")

M(cls=H, cat="personal", lang="es", name="consulta-rapida-typo", prof="personal", tz="-0500",
  frm=("", "andres.q@example.com"), to="carmen.lopez@example.net",
  subj="pregunta", text="""hola carmen, una pregunta rapida, tienes todavia el contacto del señor que te arreglo la lavadora? la mia esta haciendo un ruido rarisimo y no quiero llamar al de la marca q cobran un monton

gracias!!
andres
""")

M(cls=H, cat="personal", lang="es", name="respuesta-larga-viaje", prof="personal", tz="-0300",
  frm=("Valentina Sosa", "vale.sosa@example.org"), to="pablo@example.es",
  subj="Re: Re: Patagonia en marzo", reply="<4c1d2e9f-7a6b-4d0e-9b3a-2f6e1c8d0a55@example.es>",
  ua=("User-Agent", "Mozilla Thunderbird 128.3.1"),
  text="""Buenísimo, entonces cerramos:

- Vuelo a Bariloche el 8/3 a la mañana (ya saqué los dos pasajes)
- 3 noches en el refugio, 2 en El Bolsón
- Alquilamos auto allá, vos manejás la ida y yo la vuelta :)

Me falta reservar la excursión al Tronador, te aviso cuando la tenga.

Vale

El 21/1/26 a las 18:40, Pablo escribió:
> Dale, me parece bien lo del refugio. ¿El auto lo alquilamos allá o
> desde acá?
>
> El 20/1/26 a las 23:02, Valentina Sosa escribió:
>> Te paso la idea del itinerario: llegamos a Bariloche, tres noches en
>> el refugio, y después bajamos a El Bolsón. ¿Qué te parece?
""", date="2026-01-22 08:15")

M(cls=H, cat="personal", lang="es", name="vecina-comunidad", prof="personal", tz="+0100",
  frm=("Maite (2ºA)", "maite.gz@example.es"), to="pablo@example.es",
  subj="Junta de la comunidad jueves",
  text="""Hola Pablo, soy Maite la del segundo.

Te escribo porque el jueves a las 19:30 hay junta en el portal para lo del ascensor. El administrador dice que si no hay mayoría no se puede aprobar la derrama, así que si no puedes venir ¿me firmas la delegación de voto? Te la dejo en el buzón.

Gracias y perdona el rollo
Maite
""")

# ------------------------------------------------------------------ trabajo
M(cls=H, cat="work", lang="es", name="acta-reunion-equipo", prof="ms365", tz="+0100", date="2025-02-05 17:48",
  frm=("Irene Castaño", "irene.castano@logistica-iberia.example"), to="jgarcia@example.com",
  cc="Equipo Operaciones <operaciones@logistica-iberia.example>",
  subj="Acta reunión semanal operaciones 05/02",
  html=outlook(["Hola a todos,", "", "Os dejo el resumen de la reunión de hoy:", "",
                "<b>1. Incidencias almacén Getafe</b>: el escáner de la línea 3 sigue fallando. Javier habla con el proveedor esta semana.",
                "<b>2. Temporada San Valentín</b>: reforzamos el turno de tarde del 10 al 14 con 4 personas de ETT.",
                "<b>3. Nuevo transportista para Canarias</b>: pendiente de la oferta final, decidimos el miércoles que viene.", "",
                "Próxima reunión: miércoles 12/02 a las 10:00, sala Duero.", "", "Un saludo,", "Irene"], lang="ES"),
  text="""Hola a todos,

Os dejo el resumen de la reunión de hoy:

1. Incidencias almacén Getafe: el escáner de la línea 3 sigue fallando. Javier habla con el proveedor esta semana.
2. Temporada San Valentín: reforzamos el turno de tarde del 10 al 14 con 4 personas de ETT.
3. Nuevo transportista para Canarias: pendiente de la oferta final, decidimos el miércoles que viene.

Próxima reunión: miércoles 12/02 a las 10:00, sala Duero.

Un saludo,
Irene
""")

_cal_es = ics("5f0a1e2b-77c4-4a0a-b51d-0e0d6c1f2a93@agenda.correo.example", "Revisión presupuesto 2026",
              "20251120T100000", "20251120T110000", ("Andrés Molina", "andres.molina@constructora-norte.example"),
              [("Diego Fernández", "diego.fernandez@example.org"), ("Andrés Molina", "andres.molina@constructora-norte.example")],
              location="Sala 2 - Oficinas Bilbao", tzid="Europe/Madrid", description="Revisar partidas de obra civil y licencias.")
M(cls=H, cat="work", lang="es", name="invitacion-calendario-presupuesto", prof="inhouse", tz="+0100", date="2025-11-13 12:30",
  frm=("Andrés Molina", "andres.molina@constructora-norte.example"), to="diego.fernandez@example.org",
  subj="Invitación: Revisión presupuesto 2026 - jue 20 nov 10:00 - 11:00 (CET)",
  text="""Andrés Molina te ha invitado a un evento.

Revisión presupuesto 2026
Cuándo: jueves, 20 de noviembre de 2025, 10:00 – 11:00 (hora de Europa central - Madrid)
Dónde: Sala 2 - Oficinas Bilbao

Revisar partidas de obra civil y licencias.

¿Asistirás? Sí - Quizás - No
""", cal=_cal_es, cal_attach=False)

M(cls=H, cat="work", lang="es", name="github-issue-comentario", prof="github", gh_reason="mention", gh_repo="datos-abiertos/mapa-bicis", gh_kind="issues",
  frm=("Martina Gil", "notifications@github-mail.example"), to="diego.fernandez@example.org", tz="+0000",
  subj="Re: [datos-abiertos/mapa-bicis] Las estaciones de Valencia no aparecen en el mapa (Issue #88)",
  reply_to="datos-abiertos/mapa-bicis <reply+AAK7ZP3M2Q@reply.github-mail.example>",
  list_id="datos-abiertos/mapa-bicis <mapa-bicis.datos-abiertos.github-mail.example>",
  unsub="<mailto:unsub+AAK7ZP3M2Q@reply.github-mail.example>",
  text="""@diego-fdz he mirado el feed y el problema es que Valencia cambió el formato de las coordenadas (ahora vienen como string con coma decimal). Con este parche ya salen:

```python
lat = float(row["lat"].replace(",", "."))
```

¿Abro PR o prefieres hacerlo tú?

—
Reply to this email directly, view it on GitHub:
https://github-mail.example/datos-abiertos/mapa-bicis/issues/88#issuecomment-2739101
You are receiving this because you were mentioned.
""")

M(cls=H, cat="work", lang="es", name="oferta-cliente-respuesta", prof="personal", tz="-0500",
  frm=("Juliana Restrepo", "juliana@estudio-restrepo.example"), to="carmen.lopez@example.net",
  subj="RE: Cotización página web", reply="<a7c1e0b2@example.net>",
  ua=("User-Agent", "Microsoft-MacOutlook/16.89.24091630"),
  text="""Hola Carmen, buenas tardes.

Gracias por la información. Revisamos la cotización con mi socio y nos parece bien la opción B (sitio + tienda con 30 productos). Solo queremos confirmar dos cosas:

1. ¿El hosting del primer año está incluido en el valor?
2. ¿Cuántas rondas de cambios contempla el diseño?

Si todo está bien, podemos firmar la próxima semana y hacer el anticipo del 50 %.

Saludos,
Juliana Restrepo
Estudio Restrepo – Arquitectura Interior
Medellín, Colombia

De: Carmen López <carmen.lopez@example.net>
Enviado: martes, 3 de junio de 2025 10:15
Para: Juliana Restrepo
Asunto: Cotización página web

Hola Juliana, adjunto las dos opciones que hablamos...
""", date="2025-06-04 15:22")

M(cls=H, cat="work", lang="es", name="jira-incidencia-asignada", prof="atlassian", tz="+0100",
  frm=("Laura Benítez (Jira)", "jira@fintrax.atl-mail.example"), to="jgarcia@example.com",
  subj="[JIRA] (PAY-1408) Error 500 al exportar movimientos en CSV",
  text="""Laura Benítez te ha asignado una incidencia

PAY-1408 Error 500 al exportar movimientos en CSV
Tipo: Error   Prioridad: Alta   Estado: Por hacer
Componente: Exportaciones

Descripción:
Desde el despliegue del lunes, exportar más de 10.000 movimientos devuelve 500. En logs aparece timeout de la consulta. Afecta al menos a 3 clientes empresa.

Ver incidencia: https://fintrax.atl-mail.example/browse/PAY-1408

Este mensaje lo envió Atlassian Jira.
""")

M(cls=H, cat="work", lang="es", name="documento-compartido", prof="inhouse", tz="-0300",
  frm=("Lucas Pereyra (vía Nube Docs)", "drive-shares-noreply@docs.nubedocs.example"), to="pablo@example.es",
  reply_to="Lucas Pereyra <lucas.pereyra@example.com>",
  subj="Documento compartido contigo: \"Plan de contenidos Q1\"",
  html="""<div style="font-family:Roboto,Arial,sans-serif;max-width:480px;border:1px solid #e0e0e0;border-radius:8px;padding:24px">
<p style="font-size:14px;color:#202124"><b>Lucas Pereyra</b> (lucas.pereyra@example.com) te ha invitado a <b>editar</b> el siguiente documento:</p>
<p><a href="https://docs.nubedocs.example/d/1PlAnQ1x/edit?usp=sharing_eil" style="display:inline-block;border:1px solid #dadce0;border-radius:16px;padding:8px 14px;color:#3c4043;text-decoration:none">📄 Plan de contenidos Q1</a></p>
<p style="font-size:14px;color:#202124">"Pablo, te dejo el borrador; mirá sobre todo la parte de redes."</p>
<a href="https://docs.nubedocs.example/d/1PlAnQ1x/edit?usp=sharing_eil" style="background:#1a73e8;color:#fff;border-radius:4px;padding:8px 20px;text-decoration:none;font-size:14px">Abrir</a>
<p style="font-size:11px;color:#5f6368;margin-top:24px">Nube Docs: crea y edita documentos online.<br>Recibiste este mensaje porque Lucas Pereyra compartió un documento contigo.</p></div>""")

M(cls=H, cat="work", lang="es", name="nomina-disponible", prof="inhouse", tz="+0100", date="2025-10-30 09:00",
  frm=("Portal del Empleado", "rrhh@grupo-alimenta.example"), to="marta.r@correo.example",
  subj="Tu nómina de octubre está disponible",
  text="""Hola Marta,

Ya puedes consultar tu nómina correspondiente a octubre de 2025 en el Portal del Empleado, apartado Mis documentos.

Por motivos de seguridad no enviamos la nómina adjunta por correo.

Departamento de Personas
Grupo Alimenta
""")

# ------------------------------------------------------------------ boletines
M(cls=H, cat="newsletter", lang="es", name="boletin-tecnologia", prof="mailchimp", bulk=True, tz="+0100",
  frm=("Bits y Bytes", "boletin@bitsybytes.example"), to="jgarcia@example.com",
  subj="Bits y Bytes #203: la UE y los cargadores, Linux en el coche y una CPU RISC-V de 10 €",
  html=mjml("Bits y Bytes", "#00897b", "Bits y Bytes #203", [
      ("h", "Número 203"),
      "¡Buenas! Esta semana viene cargadita. Café en mano y vamos allá.",
      "<b>🔌 USB-C obligatorio, un año después.</b> Qué ha cambiado de verdad en las tiendas y qué fabricantes siguen buscando resquicios.",
      "<b>🚗 Linux en el salpicadero.</b> Cada vez más marcas usan sistemas basados en Linux para el infoentretenimiento. Hablamos con una ingeniera que trabaja en ello.",
      "<b>🧩 Una placa RISC-V por 10 €.</b> La hemos probado: arranca Linux, consume poquísimo y, sí, tiene sus limitaciones.",
      ("btn", "Leer el número completo", "https://bitsybytes.us14.list-manage.example/track/click?u=8a1&id=203"),
      "Si te gusta el boletín, reenvíaselo a alguien. Si no, respóndenos y cuéntanos por qué 🙂",
  ], footer="Recibes este correo porque te suscribiste en bitsybytes.example.<br><a href=\"https://bitsybytes.us14.list-manage.example/unsubscribe?u=8a1&id=c0f\">Darse de baja</a> · <a href=\"https://bitsybytes.us14.list-manage.example/profile?u=8a1\">Preferencias</a>", lang="es",
      pixel="https://bitsybytes.us14.list-manage.example/track/open.php?u=8a1&id=203&e=aa1"))

M(cls=H, cat="newsletter", lang="es", name="periodico-local-resumen", prof="sfmc", bulk=True, tz="+0100", date="2025-05-19 07:00",
  frm=("El Diario de la Vega", "newsletter@diariodelavega.example"), to="lucia.martin@example.es",
  subj="Buenos días: obras en la M-30, fiestas de San Isidro y el tiempo",
  html="""<html><body style="margin:0;background:#fff"><table align="center" width="620" cellpadding="0" cellspacing="0" style="font-family:Georgia,serif;color:#222">
<tr><td style="padding:16px 0;border-bottom:2px solid #222;font-size:30px;text-align:center">El Diario de la Vega</td></tr>
<tr><td style="padding:8px 0;font-family:Arial,sans-serif;font-size:12px;color:#666;text-align:center">LUNES, 19 DE MAYO DE 2025 · LA NEWSLETTER DE LA MAÑANA</td></tr>
<tr><td style="padding:18px 0 6px;font-size:21px;font-weight:bold"><a href="https://diariodelavega.example/madrid/obras-m30-corte?utm_source=newsletter" style="color:#222;text-decoration:none">Corte parcial en la M-30 durante tres semanas por obras en el túnel</a></td></tr>
<tr><td style="font-size:16px;line-height:1.5;color:#444">El Ayuntamiento recomienda usar transporte público; la EMT refuerza las líneas 27 y 147.</td></tr>
<tr><td style="padding:18px 0 6px;font-size:19px;font-weight:bold">San Isidro: programa del último fin de semana</td></tr>
<tr><td style="font-size:16px;line-height:1.5;color:#444">Conciertos gratuitos en Las Vistillas y la tradicional romería en la pradera. Te contamos horarios y cortes de tráfico.</td></tr>
<tr><td style="padding:18px 0 6px;font-size:19px;font-weight:bold">El tiempo</td></tr>
<tr><td style="font-size:16px;line-height:1.5;color:#444">☀️ Soleado, máxima de 27 °C. Tormentas posibles a última hora en la sierra.</td></tr>
<tr><td style="padding:24px 0;font-family:Arial,sans-serif;font-size:11px;color:#888;border-top:1px solid #ddd;margin-top:20px">Recibes esta newsletter porque estás registrado en El Diario de la Vega. <a href="https://cl.s7.exacttarget.example/unsub_center.aspx?qs=dv19">Cancelar suscripción</a></td></tr>
</table><img src="https://cl.s7.exacttarget.example/open.aspx?ffcb10-dv19-0519" width="1" height="1" alt=""></body></html>""")

M(cls=H, cat="newsletter", lang="es", name="blog-cocina-recetas", prof="brevo", bulk=True, tz="-0600",
  frm=("La Cocina de Abril", "abril@lacocinadeabril.example"), to="carmen.lopez@example.net",
  subj="Chiles en nogada sin complicarte (y una lista de compras)",
  text="""¡Hola, Carmen!

Se acerca septiembre y en mi casa eso significa chiles en nogada. Ya sé, ya sé: parecen dificilísimos. Este año preparé una versión que se puede hacer en dos tardes sin volverse loca, y la comparto completa en el blog.

Lo que vas a encontrar:
- Picadillo que se puede hacer un día antes
- El truco para pelar la nuez de Castilla rápido
- Lista de compras imprimible

Receta completa: https://lacocinadeabril.example/chiles-en-nogada-faciles

Cuéntame si los haces, me encanta ver sus fotos.

Un abrazo,
Abril

--
Recibes este correo porque te suscribiste en lacocinadeabril.example.
Para darte de baja: https://r.brevosend.example/mk/un/abril/71c
""",
  html=card("La Cocina de Abril", "#c62828", "Chiles en nogada sin complicarte", [
      "¡Hola, Carmen!",
      "Se acerca septiembre y en mi casa eso significa chiles en nogada. Este año preparé una versión que se puede hacer en dos tardes sin volverse loca.",
      '<img src="https://img.lacocinadeabril.example/2025/chiles-nogada.jpg" width="520" alt="Chiles en nogada" style="width:100%;border-radius:10px">',
      "• Picadillo que se puede hacer un día antes<br>• El truco para pelar la nuez de Castilla rápido<br>• Lista de compras imprimible",
      "Un abrazo,<br>Abril"], button=("Ver la receta", "https://lacocinadeabril.example/chiles-en-nogada-faciles"), lang="es",
      footer="Recibes este correo porque te suscribiste en lacocinadeabril.example.<br><a href=\"https://r.brevosend.example/mk/un/abril/71c\">Darte de baja</a>",
      pixel="https://r.brevosend.example/tr/op/abril-71c"))

M(cls=H, cat="newsletter", lang="es", name="ong-boletin-socios", prof="mailchimp", bulk=True, tz="+0100",
  frm=("Bosques Vivos", "socios@bosquesvivos.example"), to="marta.r@correo.example",
  subj="Marta, este otoño plantamos 12.000 árboles gracias a ti 🌳",
  html=card("Bosques Vivos", "#33691e", "Gracias por formar parte de Bosques Vivos", [
      "Hola Marta:",
      "Gracias a las cuotas de nuestros 4.300 socios y socias, este otoño vamos a reforestar 14 hectáreas quemadas en la Sierra de la Culebra con especies autóctonas: roble, castaño, serbal y abedul.",
      "También hemos abierto las inscripciones para las jornadas de voluntariado de noviembre. Hay plazas para familias con niños.",
      "<b>Tu certificado de donaciones 2024</b> para la declaración de la renta ya está disponible en tu área de socio."],
      button=("Apúntate al voluntariado", "https://bosquesvivos.example/voluntariado?utm_campaign=otono25"), lang="es",
      footer="Bosques Vivos · Asociación declarada de utilidad pública<br><a href=\"https://bosquesvivos.us6.list-manage.example/unsubscribe?u=b0s\">Darse de baja</a> · <a href=\"https://bosquesvivos.us6.list-manage.example/profile?u=b0s\">Actualizar datos</a>",
      pixel="https://bosquesvivos.us6.list-manage.example/track/open.php?u=b0s&id=otono"))

M(cls=H, cat="newsletter", lang="es", name="newsletter-finanzas-personales", prof="postmark", stream="broadcast", bulk=True, tz="-0300",
  frm=("Plata Clara", "hola@plataclara.example"), to="pablo@example.es",
  subj="¿Plazo fijo o fondo money market? Lo que nos preguntaron esta semana",
  text="""Plata Clara — edición #58

Hola, Pablo.

La pregunta que más nos llegó esta semana: "¿conviene más un plazo fijo o un fondo money market?"

Respuesta corta: depende de cuándo vas a necesitar la plata. El plazo fijo te da una tasa conocida pero inmovilizás el dinero; el money market rinde un poco menos y podés retirar en el día. Para el fondo de emergencia, casi siempre conviene lo segundo.

En el artículo comparamos con números de este mes: https://plataclara.example/notas/plazo-fijo-vs-money-market

Nada de esto es una recomendación de inversión personalizada.

Hasta el jueves,
Sofi y Martín

Te llega este correo porque te suscribiste en plataclara.example. Para dejar de recibirlo: https://plataclara.example/baja?u=p4bl0
""")

# ------------------------------------------------------------------ listas
M(cls=H, cat="list", lang="es", name="lista-mailman-python-es", prof="mailman", tz="+0100",
  frm=("Ramón Prieto", "ramon.prieto@example.org"), to="python-es@lists.pyhispano.example",
  list_id="Lista de Python en español <python-es.lists.pyhispano.example>",
  subj="Re: [Python-es] ¿asyncio o hilos para descargar 500 ficheros?",
  reply="<20250311084412.GA4410@example.com>",
  text="""El mar, 11 mar 2025 a las 09:44, Eva Soler escribió:
> Tengo que descargar unos 500 ficheros pequeños de un servidor y con
> requests en un bucle tarda una eternidad. ¿Me complico con asyncio o
> tiro de ThreadPoolExecutor?

Para 500 descargas, ThreadPoolExecutor con 16-32 hilos te va a ir perfectamente y el código apenas cambia:

    with ThreadPoolExecutor(max_workers=20) as ex:
        list(ex.map(descargar, urls))

asyncio (con httpx o aiohttp) compensa cuando son miles de conexiones o ya tienes el resto del programa en async. Y reutiliza la sesión, que abrir una conexión TLS por fichero es lo que más tiempo se come.

Saludos,
Ramón
_______________________________________________
Python-es mailing list -- python-es@lists.pyhispano.example
Para darse de baja, envíe un mensaje a python-es-leave@lists.pyhispano.example
""")

M(cls=H, cat="list", lang="es", name="grupo-google-montana", prof="ggroups", tz="+0100",
  frm=("Iñaki Etxeberria", "inaki.etx@example.com"), to="club-montana-bidasoa@googlegroups.example",
  list_id="<club-montana-bidasoa.googlegroups.example>",
  subj="[Club Montaña] Salida domingo: Peñas de Aia (cambio de hora)",
  text="""Kaixo a todos,

Por la previsión de lluvia a partir del mediodía, adelantamos la salida del domingo a las 7:30 desde el aparcamiento de Ficoba. Llevad chubasquero igualmente.

Recorrido: 14 km, 850 m de desnivel. Nivel medio.

Confirmad asistencia respondiendo a este correo antes del viernes para organizar los coches.

Iñaki

--
Has recibido este mensaje porque estás suscrito al grupo "Club Montaña Bidasoa" de Grupos.
Para anular la suscripción a este grupo, envía un correo a club-montana-bidasoa+unsubscribe@googlegroups.example.
""", unsub="<mailto:googlegroups-manage+8812+unsubscribe@googlegroups.example>")

M(cls=H, cat="list", lang="es", name="discourse-foro-fotografia", prof="discourse", tz="-0500",
  frm=("jmarquez via Foro de Fotografía", "foro@forofoto.example"), to="carmen.lopez@example.net",
  list_id="Foro de Fotografía <equipo.forofoto.example>",
  subj="[Foro de Fotografía] [Equipo] ¿Vale la pena un 35mm f/1.8 para retrato?",
  text="""jmarquez
14 de julio

Yo lo uso para retrato de cuerpo entero y ambiental y me encanta. Para primeros planos sí se nota la distorsión si te acercas mucho; ahí prefiero el 85.

Si solo vas a tener uno, el 35 es más versátil para viajes.

Visita el tema (https://forofoto.example/t/35mm-para-retrato/9921/4) o responde a este correo para responder.

Para darte de baja de estos correos, haz clic aquí (https://forofoto.example/email/unsubscribe/b7c1).
""")

# ------------------------------------------------------------------ servicios
M(cls=H, cat="service", lang="es", name="cita-centro-salud", prof="inhouse", tz="+0100", charset="iso-8859-1",
  frm=("Servicio de Salud - Cita Previa", "citaprevia@salud.gob.example"), to="lucia.martin@example.es",
  subj="Recordatorio de cita: Medicina de Familia",
  text="""Le recordamos su cita:

Paciente: LUCIA M. M.
Centro: C.S. Barrio del Pilar
Profesional: Medicina de Familia - Consulta 12
Fecha: jueves 6 de marzo de 2025
Hora: 09:40

Si no puede acudir, anule la cita en la web o en la app para que otro paciente pueda utilizarla.

Este correo se ha generado automáticamente. No responda a este mensaje.
""", date="2025-03-04 10:00")

M(cls=H, cat="service", lang="es", name="turno-medico-ar", prof="sendgrid", tz="-0300",
  frm=("Clínica San Martín", "turnos@clinicasanmartin.example"), to="pablo@example.es",
  subj="Confirmá tu turno del martes 14/10",
  html=card("Clínica San Martín", "#00695c", "Recordatorio de turno", [
      "Hola Pablo,", "Tenés un turno agendado:",
      '<table cellpadding="4" style="font-size:15px"><tr><td style="color:#666">Especialidad</td><td>Dermatología</td></tr><tr><td style="color:#666">Profesional</td><td>Dra. Julieta Ferraro</td></tr><tr><td style="color:#666">Fecha</td><td>martes 14/10, 16:20 h</td></tr><tr><td style="color:#666">Sede</td><td>Av. Santa Fe 3100, 2º piso</td></tr></table>',
      "Presentate 15 minutos antes con tu DNI y credencial de la prepaga."],
      button=("Confirmar asistencia", "https://turnos.clinicasanmartin.example/c/91ab?r=si"), lang="es",
      footer="Si no podés asistir, cancelá el turno desde el portal para liberarlo."), date="2025-10-10 12:00")

M(cls=H, cat="service", lang="es", name="colegio-circular-familias", prof="inhouse", tz="+0100", date="2025-09-26 14:30",
  frm=("Colegio Santa Ana - Secretaría", "secretaria@colegiosantaana.example"), to="diego.fernandez@example.org",
  subj="Circular 4/2025-26: salida al Museo de Ciencias (3º Primaria)",
  text="""Estimadas familias:

Os informamos de que el próximo jueves 9 de octubre el alumnado de 3º de Primaria visitará el Museo de Ciencias Naturales.

- Salida: 9:15 desde el colegio (autobús)
- Regreso: 14:00 aprox.
- Coste: 8 € (entrada y transporte), a abonar por la plataforma antes del 3 de octubre
- Deben llevar almuerzo, agua y ropa cómoda

Adjuntamos la autorización, que deberá entregarse firmada a la tutora.

Un saludo,
Secretaría del Colegio Santa Ana
""", attach=[("Autorizacion_salida_3EP.pdf", "application/pdf", fake_pdf(["Colegio Santa Ana - Autorizacion de salida", "3 Primaria - Museo de Ciencias - 09/10/2025", "Firma padre/madre/tutor: ________"]))])

M(cls=H, cat="service", lang="es", name="agencia-tributaria-notificacion", prof="inhouse", tz="+0100",
  frm=("Agencia Tributaria - Notificaciones", "avisos@notificaciones.hacienda.gob.example"), to="jgarcia@example.com",
  subj="Aviso de puesta a disposición de notificación electrónica",
  text="""Le comunicamos que tiene a su disposición una notificación en la Dirección Electrónica Habilitada Única (DEHú).

Titular: J. G. P. - NIF ****412**
Órgano emisor: Agencia Tributaria
Concepto: Comunicación

Para acceder, entre en la sede electrónica escribiendo la dirección directamente en el navegador, e identifíquese con certificado digital o Cl@ve.

Este aviso es meramente informativo. No responda a este correo.
""")

M(cls=H, cat="service", lang="es", name="sat-acuse-declaracion-mx", prof="inhouse", tz="-0600", date="2025-04-28 21:15",
  frm=("Servicio Tributario - Declaraciones", "declaraciones@servicio-tributario.gob.example"), to="carmen.lopez@example.net",
  subj="Acuse de recibo de tu Declaración Anual 2024",
  text="""Estimada contribuyente:

Se recibió tu Declaración Anual del ejercicio 2024.

Número de operación: 250418930017
Fecha y hora de presentación: 28/04/2025 21:13:52
Resultado: saldo a favor de $ 3,412.00

Puedes consultar el acuse completo en el portal con tu RFC y contraseña.

Este mensaje es informativo, favor de no responder.
""")

M(cls=H, cat="service", lang="es", name="ayuntamiento-cita-padron", prof="inhouse", tz="+0200",
  frm=("Ajuntament - Cita Prèvia", "citaprevia@ajuntament-sant-feliu.example"), to="marta.r@correo.example",
  subj="Confirmación de cita previa - Padrón de habitantes",
  text="""Su cita ha sido registrada correctamente.

Trámite: Alta / cambio de domicilio en el Padrón
Oficina: OAC Plaça de la Vila
Fecha: 17/06/2025  Hora: 11:20
Código de la cita: OAC-7742

Documentación: DNI/NIE y contrato de alquiler o escritura.

Para anular la cita, utilice el código en la web municipal.
""", date="2025-06-09 09:55")

M(cls=H, cat="service", lang="es", name="gimnasio-clase-cancelada", prof="mailgun", tz="-0500",
  frm=("BodyFit Chapinero", "reservas@bodyfit.example"), to="carmen.lopez@example.net",
  subj="Tu clase de spinning de hoy 6:00 p.m. fue cancelada",
  text="""Hola Carmen,

Lamentamos informarte que la clase de Spinning de hoy a las 6:00 p.m. con el instructor Felipe fue cancelada por una falla en el aire acondicionado del salón 2.

Te devolvimos la clase a tu plan. Puedes reservar otro horario desde la app.

Disculpa las molestias,
Equipo BodyFit Chapinero
""")

# ------------------------------------------------------------------ social
M(cls=H, cat="social", lang="es", name="mastodon-nuevo-seguidor", prof="inhouse", tz="+0100",
  frm=("Mastodon", "notificaciones@mastodon-es.example"), to="jgarcia@example.com",
  subj="Ana Belén te ha seguido",
  text="""Ana Belén (@anabelen@tooteame.example) te ha seguido.

Ver perfil: https://mastodon-es.example/@anabelen@tooteame.example

Gestiona tus preferencias de correo: https://mastodon-es.example/settings/preferences/notifications
""", unsub="<https://mastodon-es.example/unsubscribe?token=ab12>")

M(cls=H, cat="social", lang="es", name="red-social-mencion-foto", prof="ses", bulk=True, tz="-0300",
  frm=("Fotogram", "no-reply@mail.fotogram.example"), to="pablo@example.es",
  subj="lucia_viajes te mencionó en un comentario",
  html=card("Fotogram", "#c13584", "lucia_viajes te mencionó en un comentario", [
      "<b>lucia_viajes</b>: @pablo.bsas ¡mirá dónde estuvimos el finde! 🏔️",
      '<img src="https://cdn.fotogram.example/p/1080/9a1c.jpg" width="300" alt="" style="border-radius:6px">'],
      button=("Ver comentario", "https://fotogram.example/p/C9a1c/c/1801"), lang="es",
      footer="Fotogram · <a href=\"https://fotogram.example/emails/settings\">Configuración de notificaciones</a><br>Este mensaje se envió a pablo@example.es."))

M(cls=H, cat="social", lang="es", name="red-profesional-invitacion", prof="sfmc", bulk=True, tz="+0100",
  frm=("Conecta Pro", "invitaciones@conectapro.example"), to="diego.fernandez@example.org",
  subj="Irene Castaño quiere conectar contigo",
  text="""Irene Castaño
Responsable de Operaciones en Logística Iberia
Madrid, Comunidad de Madrid

Tenéis 12 contactos en común.

Aceptar: https://www.conectapro.example/invitacion/aceptar?i=7731
Ver perfil: https://www.conectapro.example/in/irenecastano

Recibes invitaciones por correo. Darte de baja: https://www.conectapro.example/preferencias
""")

M(cls=H, cat="social", lang="es", name="foro-vecinos-evento", prof="mailgun", bulk=True, tz="+0100",
  frm=("Vecinos de Chamberí", "avisos@vecinoschamberi.example"), to="lucia.martin@example.es",
  subj="Nuevo evento: mercadillo de intercambio de libros (sábado)",
  text="""Hola Lucía,

La asociación ha publicado un nuevo evento:

📚 Mercadillo de intercambio de libros
Sábado 11 de octubre · 11:00 a 14:00
Plaza de Olavide

Trae los libros que ya no leas y llévate otros. Habrá cuentacuentos para peques a las 12:00.

Ver evento y confirmar: https://vecinoschamberi.example/eventos/intercambio-libros

Recibes este aviso porque eres socia. Preferencias: https://vecinoschamberi.example/cuenta/avisos
""")

# ------------------------------------------------------------------ más transaccional / personal
M(cls=H, cat="transactional", lang="es", name="alquiler-coche-confirmado", prof="sendgrid", tz="+0000",
  frm=("AutoRenta", "reservas@autorenta.example"), to="jgarcia@example.com",
  subj="Confirmación de reserva AR-551092 – Tenerife Sur",
  text="""Hola Javier,

Tu reserva está confirmada:

Recogida: Aeropuerto Tenerife Sur, 02/08/2025 12:30
Devolución: Aeropuerto Tenerife Sur, 09/08/2025 10:00
Vehículo: Grupo B (tipo SEAT Ibiza o similar), manual, 5 plazas
Seguro: cobertura total sin franquicia
Precio total: 289,50 € (pagado)

Necesitarás: carné de conducir, DNI/pasaporte y una tarjeta de crédito a nombre del conductor principal.

¡Buen viaje!
AutoRenta
""", date="2025-07-15 19:02")

M(cls=H, cat="transactional", lang="es", name="suscripcion-renovada-streaming", prof="postmark", tz="-0500",
  frm=("Pantalla+", "facturacion@pantallamas.example"), to="carmen.lopez@example.net",
  subj="Tu suscripción se renovó",
  html=simple(["Hola Carmen,", "Tu plan <b>Estándar</b> se renovó el 1 de noviembre de 2025.",
               "Cargo: <b>COP 26.900</b> a la tarjeta Visa •••• 1190.",
               "Puedes cambiar de plan o cancelar cuando quieras desde <a href=\"https://pantallamas.example/cuenta\">Tu cuenta</a>.",
               "Gracias por ver Pantalla+."], style="font-family:Helvetica,Arial,sans-serif;font-size:15px;color:#111;max-width:560px"),
  date="2025-11-01 06:12")

M(cls=H, cat="personal", lang="es", name="hermano-plantas-vacaciones", prof="personal", tz="+0100",
  frm=("Álvaro Martín", "alvaro.mm@example.com"), to="lucia.martin@example.es",
  subj="Re: ¿me riegas las plantas?", reply="<e1f2a3b4-0000-4c1d-8e9f-aabbccddeeff@example.es>",
  ua=("X-Mailer", "Apple Mail (2.3774.600.62)"),
  text="""Claro, sin problema. Paso el martes y el viernes. ¿La llave sigue debajo del felpudo o me la das tú?

Y dime cuánta agua le echo al limonero, que la última vez casi me lo cargo 😅

> El 30 jul 2025, a las 21:10, Lucía Martín <lucia.martin@example.es> escribió:
>
> Álvaro, ¿me puedes regar las plantas mientras estamos en Asturias?
> Nos vamos del 4 al 15.
""", date="2025-07-30 21:40")

M(cls=H, cat="personal", lang="es", name="profesora-ingles-clases", prof="personal", tz="-0300",
  frm=("Teacher Gabi", "gabi.english@example.com"), to="pablo@example.es",
  subj="Clases de inglés - horarios marzo",
  text="""Hola Pablo! Cómo estás?

Te escribo para coordinar los horarios de marzo. Tengo disponibles martes y jueves a las 19 hs o miércoles a las 8 hs (antes del laburo, para los valientes jaja).

El valor por clase sigue igual hasta abril.

Avisame qué te queda mejor y te mando el link de la videollamada.

Saludos,
Gabi
""")
