//! Word lists, in normal form (lower case, no diacritics; see `text::normalize`), English and
//! Spanish. Written from how marketing, transactional and list mail is commonly worded, not
//! fitted to the test corpus. A unit test checks that every entry is in normal form.

use crate::text::Kind;

/// Offer vocabulary that rarely appears outside marketing.
pub const OFFER_STRONG: &[&str] = &[
    // en
    "sale",
    "flash sale",
    "on sale",
    "clearance",
    "discount",
    "discounts",
    "coupon",
    "coupons",
    "promo code",
    "discount code",
    "coupon code",
    "voucher code",
    "special offer",
    "special offers",
    "limited time",
    "limited time offer",
    "free shipping",
    "free delivery",
    "shop now",
    "buy now",
    "order now",
    "book now",
    "black friday",
    "cyber monday",
    "last chance",
    "ends tonight",
    "ends today",
    "ends soon",
    "today only",
    "don t miss",
    "don t miss out",
    "best deals",
    "deals",
    "deal of the day",
    "exclusive offer",
    "exclusive deals",
    "price drop",
    "lowest prices",
    "lowest price",
    "giveaway",
    "sweepstakes",
    "bogo",
    "buy one get one",
    "early access",
    "members only",
    "shop the sale",
    "biggest sale",
    "new arrivals",
    "bestsellers",
    "best sellers",
    "use code",
    "off sitewide",
    "sitewide",
    "free gift",
    "claim your",
    // es
    "oferta",
    "ofertas",
    "rebajas",
    "descuento",
    "descuentos",
    "promocion",
    "promociones",
    "codigo promocional",
    "codigo de descuento",
    "cupon",
    "cupones",
    "envio gratis",
    "envio gratuito",
    "envios gratis",
    "gastos de envio gratis",
    "solo hoy",
    "ultimas horas",
    "ultima oportunidad",
    "ultimos dias",
    "no te lo pierdas",
    "no te pierdas",
    "compra ya",
    "compra ahora",
    "comprar ahora",
    "reserva ya",
    "liquidacion",
    "chollo",
    "chollos",
    "precio especial",
    "precios especiales",
    "precios rebajados",
    "2x1",
    "3x2",
    "sorteo",
    "nueva coleccion",
    "black week",
    "dia sin iva",
    "aprovecha",
    "aprovechalo",
    "oferta exclusiva",
    "ofertas exclusivas",
    "hasta agotar existencias",
    "outlet",
];

/// Offer vocabulary also common in other mail.
pub const OFFER_WEAK: &[&str] = &[
    // en
    "save",
    "savings",
    "offer",
    "offers",
    "exclusive",
    "hurry",
    "free trial",
    "upgrade now",
    "new collection",
    "shop",
    "collection",
    "price",
    "prices",
    "gift",
    "win",
    "register now",
    "webinar",
    "sign up",
    "subscribe",
    "newsletter",
    "discover",
    "trending",
    "handpicked",
    "recommended for you",
    "you might like",
    "just dropped",
    // es
    "ahorra",
    "ahorro",
    "exclusivo",
    "exclusiva",
    "gratis",
    "regalo",
    "regalos",
    "novedades",
    "descubre",
    "coleccion",
    "precio",
    "precios",
    "tienda",
    "inscribete",
    "suscribete",
    "boletin",
    "te esperan",
    "temporada",
    "rebajado",
    "rebajados",
    "seleccion",
    "solo para ti",
];

/// Orders, receipts, shipping, bookings, payments, appointments. Specific enough that marketing
/// rarely uses them ("your order" alone is not here: "free shipping on your order").
pub const TRANSACTIONAL: &[&str] = &[
    // en
    "receipt",
    "your receipt",
    "invoice",
    "order confirmation",
    "order confirmed",
    "your order has",
    "your order is",
    "your order number",
    "order number",
    "order details",
    "has shipped",
    "on its way",
    "on the way",
    "dispatched",
    "ready for pickup",
    "have shipped",
    "has been shipped",
    "shipped",
    "out for delivery",
    "was delivered",
    "has been delivered",
    "delivery attempt",
    "tracking number",
    "track your package",
    "track your order",
    "track your parcel",
    "shipment",
    "shipping confirmation",
    "payment received",
    "payment confirmation",
    "payment failed",
    "payment due",
    "we received your payment",
    "refund",
    "refunded",
    "booking confirmation",
    "booking confirmed",
    "booking reference",
    "reservation confirmed",
    "reservation confirmation",
    "your reservation",
    "your booking",
    "itinerary",
    "boarding pass",
    "check in is open",
    "e ticket",
    "appointment",
    "statement is ready",
    "bill is ready",
    "your bill",
    "direct debit",
    "subscription renewal",
    "will renew",
    "has been renewed",
    "wire transfer",
    "account statement",
    "amount due",
    "due date",
    "return label",
    "return request",
    "delivery scheduled",
    "estimated delivery",
    "thank you for your purchase",
    "thanks for your purchase",
    // es
    "factura",
    "tu factura",
    "recibo",
    "tu pedido ha",
    "tu pedido esta",
    "tu pedido se",
    "confirmacion de pedido",
    "pedido confirmado",
    "numero de pedido",
    "detalles del pedido",
    "ha sido enviado",
    "en camino",
    "listo para recoger",
    "ha sido enviada",
    "enviado",
    "en reparto",
    "entregado",
    "entregada",
    "ha sido entregado",
    "numero de seguimiento",
    "seguimiento del envio",
    "sigue tu envio",
    "sigue tu pedido",
    "tu envio",
    "tu paquete",
    "pago recibido",
    "confirmacion de pago",
    "hemos recibido tu pago",
    "pago rechazado",
    "reembolso",
    "tu devolucion",
    "devolucion recibida",
    "solicitud de devolucion",
    "devolucion del importe",
    "confirmacion de reserva",
    "reserva confirmada",
    "tu reserva",
    "localizador",
    "tarjeta de embarque",
    "tu billete",
    "tus billetes",
    "tu cita",
    "cita confirmada",
    "recordatorio de cita",
    "transferencia",
    "recibo domiciliado",
    "adeudo",
    "extracto",
    "fecha de vencimiento",
    "fecha estimada de entrega",
    "entrega prevista",
    "gracias por tu compra",
];

/// Account security: resets, codes, sign-in alerts. These stay in INBOX even from a social
/// network.
pub const SECURITY: &[&str] = &[
    // en
    "password",
    "reset your password",
    "password reset",
    "verification code",
    "security code",
    "one time code",
    "one time password",
    "login code",
    "sign in code",
    "confirmation code",
    "verify your email",
    "verify your email address",
    "confirm your email",
    "confirm your email address",
    "confirm your account",
    "verify your account",
    "security alert",
    "new sign in",
    "new login",
    "sign in attempt",
    "login attempt",
    "unusual activity",
    "suspicious activity",
    "two factor",
    "2fa",
    "your pin",
    "pin code",
    "account recovery",
    "recover your account",
    // es
    "contrasena",
    "tu pin",
    "restablecer",
    "restablece tu contrasena",
    "codigo de verificacion",
    "codigo de seguridad",
    "codigo de confirmacion",
    "codigo de acceso",
    "verifica tu correo",
    "verifica tu cuenta",
    "confirma tu correo",
    "confirma tu cuenta",
    "confirma tu direccion",
    "alerta de seguridad",
    "nuevo inicio de sesion",
    "inicio de sesion",
    "actividad sospechosa",
    "actividad inusual",
    "recuperar tu cuenta",
    "verificacion en dos pasos",
];

/// Footers of bulk mail.
pub const UNSUBSCRIBE: &[&str] = &[
    "unsubscribe",
    "unsubscribe here",
    "opt out",
    "manage preferences",
    "manage your preferences",
    "email preferences",
    "update your preferences",
    "manage subscription",
    "manage your subscription",
    "darse de baja",
    "darte de baja",
    "date de baja",
    "dar de baja",
    "baja de la lista",
    "cancelar suscripcion",
    "cancelar la suscripcion",
    "anular suscripcion",
    "dejar de recibir",
    "gestionar preferencias",
    "gestiona tus preferencias",
    "preferencias de correo",
    "no deseas recibir",
    "no quieres recibir",
];

/// "View in browser" lines of designed (HTML-first) bulk mail.
pub const VIEW_ONLINE: &[&str] = &[
    "view in browser",
    "view this email in your browser",
    "view it in your browser",
    "view online",
    "view web version",
    "view as a web page",
    "view as webpage",
    "having trouble viewing",
    "ver en el navegador",
    "ver en tu navegador",
    "ver en navegador",
    "ver online",
    "ver version web",
    "ver la version web",
    "version online",
    "si no ves correctamente",
    "si no visualizas correctamente",
    "no se ve bien",
];

const LISTS: [(&[&str], Kind); 6] = [
    (OFFER_STRONG, Kind::OfferStrong),
    (OFFER_WEAK, Kind::OfferWeak),
    (TRANSACTIONAL, Kind::Transactional),
    (SECURITY, Kind::Security),
    (UNSUBSCRIBE, Kind::Unsubscribe),
    (VIEW_ONLINE, Kind::ViewOnline),
];

/// How many built-in phrases there are.
pub const COUNT: usize = {
    let mut n = 0;
    let mut i = 0;
    while i < LISTS.len() {
        n += LISTS[i].0.len();
        i += 1;
    }
    n
};

/// Every built-in phrase with its kind, in one array (built at compile time).
pub const ALL: [(&str, Kind); COUNT] = {
    let mut all: [(&str, Kind); COUNT] = [("", Kind::OfferStrong); COUNT];
    let (mut n, mut l) = (0, 0);
    while l < LISTS.len() {
        let (list, kind) = LISTS[l];
        let mut i = 0;
        while i < list.len() {
            all[n] = (list[i], kind);
            n += 1;
            i += 1;
        }
        l += 1;
    }
    all
};

/// Every built-in phrase with its kind.
pub fn builtin() -> impl Iterator<Item = (&'static str, Kind)> {
    ALL.iter().copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalize;

    #[test]
    fn the_compile_time_table_finds_every_phrase() {
        let lex = crate::text::Lexicon::builtin_and([]);
        for (phrase, kind) in ALL {
            let found = lex.find(&format!("x {phrase} y"));
            assert!(found.contains(&(phrase, kind)), "{phrase:?}: {found:?}");
        }
        assert!(COUNT < usize::from(u16::MAX));
    }

    #[test]
    fn entries_are_in_normal_form_and_listed_once() {
        let all: Vec<(&str, Kind)> = builtin().collect();
        for (p, _) in &all {
            assert_eq!(normalize(p, 1000), *p, "not in normal form: {p:?}");
        }
        for (i, (a, _)) in all.iter().enumerate() {
            assert!(
                !all[i + 1..].iter().any(|(b, _)| b == a),
                "listed twice: {a:?}"
            );
        }
    }
}
