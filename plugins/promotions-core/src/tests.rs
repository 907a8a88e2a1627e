use super::*;

fn email<'a>(headers: &[(&'a str, &'a str)], subject: &'a str, from: &'a str) -> Email<'a> {
    Email {
        headers: headers.to_vec(),
        subject,
        from: Some(from),
        ..Email::default()
    }
}

fn rules(c: &Classification) -> Vec<&str> {
    c.reasons.iter().map(|r| r.rule.as_str()).collect()
}

const NEWSLETTER_HTML: &str = r#"<html><body>
<a href="https://shop.us1.list-manage.com/track/click?u=1">View this email in your browser</a>
<h1>Winter sale: up to 40% off</h1><p>Free shipping on every order this week.</p>
<a href="https://shop.example/boots?utm_source=newsletter&utm_campaign=winter">Shop now</a>
<img src="https://shop.us1.list-manage.com/track/open.php?u=1" width="1" height="1">
<p><a href="https://shop.us1.list-manage.com/unsubscribe?u=1">Unsubscribe</a></p></body></html>"#;

#[test]
fn mailchimp_newsletter_is_a_promotion() {
    let mut e = email(
        &[
            (
                "Return-Path",
                "<bounce-mc.us1_123.456-bob=example.org@mail123.mcsv.net>",
            ),
            (
                "List-Unsubscribe",
                "<https://shop.us1.list-manage.com/unsubscribe?u=1>, <mailto:unsub@mcsv.net>",
            ),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
            ("Precedence", "bulk"),
            ("X-MC-User", "abc123"),
        ],
        "❄️ Winter sale: up to 40% off boots",
        "news@shop.example",
    );
    e.html = Some(NEWSLETTER_HTML);
    let c = classify(&e, &Config::default());
    assert_eq!(c.category, Category::Promotion, "{}", c.summary());
    for r in [
        "list-unsubscribe",
        "one-click-unsubscribe",
        "precedence:bulk",
        "esp:mailchimp",
        "tracking-pixel",
        "campaign-links",
        "view-online",
        "unsubscribe-text",
        "discount:subject",
        "marketing-sender",
        "subject-emoji",
    ] {
        assert!(rules(&c).contains(&r), "{r} missing: {}", c.summary());
    }
    // Bulk machinery is capped: the score is not the plain sum.
    let plain_sum: f64 = c.reasons.iter().map(|r| r.weight).sum();
    assert!(c.score < plain_sum, "{}", c.summary());
    assert!(c.summary().starts_with("promotion (list-unsubscribe +2, one-click-unsubscribe +1, precedence:bulk +1.5, esp:mailchimp +2"), "{}", c.summary());
}

#[test]
fn receipt_with_list_unsubscribe_stays_in_inbox() {
    let mut e = email(
        &[
            ("List-Unsubscribe", "<https://shop.example/u/1>"),
            ("X-SG-EID", "xyz"),
        ],
        "Your order #40211 has shipped",
        "orders@shop.example",
    );
    e.html = Some(
        r#"<p>Good news! Your order has shipped. Tracking number: 1Z999AA10123456784.</p>
        <p>Estimated delivery: Friday.</p><img src="https://u1.ct.sendgrid.net/wf/open?upn=x">
        <p>You might like: new arrivals with free shipping.</p><a href="https://shop.example/u/1">Unsubscribe</a>"#,
    );
    let c = classify(&e, &Config::default());
    assert_eq!(c.category, Category::Inbox, "{}", c.summary());
    assert!(
        rules(&c)
            .iter()
            .any(|r| r.starts_with("transactional:subject[")),
        "{}",
        c.summary()
    );
    assert!(rules(&c).contains(&"reference-number"));
}

#[test]
fn spanish_shop_offer_is_a_promotion() {
    let mut e = email(
        &[
            ("List-Unsubscribe", "<mailto:baja@tienda.example>"),
            ("X-Mailer", "Acumbamail"),
        ],
        "¡Últimas horas! -30% en toda la tienda",
        "ofertas@tienda.example",
    );
    e.html = Some("<p>Aprovecha las rebajas: envío gratis en pedidos de más de 30 €.</p><p>Si no quieres recibir más correos, date de baja aquí.</p>");
    let c = classify(&e, &Config::default());
    assert_eq!(c.category, Category::Promotion, "{}", c.summary());
    assert!(rules(&c).contains(&"bulk-mailer"));
    assert!(
        rules(&c)
            .iter()
            .any(|r| r.starts_with("offer-words:subject[ultimas horas")),
        "{}",
        c.summary()
    );
}

#[test]
fn social_networks_and_their_security_mail() {
    let mut e = email(
        &[("X-Facebook-Notify", "birthday_reminder")],
        "Ana has a birthday today",
        "notification@facebookmail.com",
    );
    e.html = Some("<p>Help Ana have a great day! Unsubscribe</p>");
    let c = classify(&e, &Config::default());
    assert_eq!(c.category, Category::Social);
    assert_eq!(
        c.summary(),
        "social (social-domain:facebookmail.com, social-header:x-facebook-notify)"
    );

    let e = email(
        &[],
        "123456 is your Instagram password reset code",
        "security@mail.instagram.com",
    );
    let c = classify(&e, &Config::default());
    assert_eq!(c.category, Category::Inbox, "{}", c.summary());

    // A sign-in code from a social network: INBOX.
    let e = email(
        &[("X-LinkedIn-Class", "SECURITY")],
        "553190 es tu código de LinkedIn",
        "security-noreply@linkedin.com",
    );
    let c = classify(&e, &Config::default());
    assert_eq!(c.category, Category::Inbox, "{}", c.summary());
    assert!(rules(&c).contains(&"one-time-code"));

    // A header alone is enough (e.g. a network mailing from another domain).
    let e = email(
        &[("X-LinkedIn-Class", "INVITE-GUEST")],
        "María wants to connect",
        "invitations@bounce.example",
    );
    assert_eq!(classify(&e, &Config::default()).category, Category::Social);
}

#[test]
fn social_domains_are_configurable() {
    let e = email(&[], "New post in #general", "notify@community.example");
    assert_eq!(classify(&e, &Config::default()).category, Category::Inbox);
    let added = Config::default().social_domains(&["*.Community.example.".into()], false);
    assert_eq!(classify(&e, &added).category, Category::Social);
    assert!(added
        .social_domains
        .contains(&"facebookmail.com".to_string()));
    let replaced = Config::default().social_domains(&["community.example".into()], true);
    assert_eq!(replaced.social_domains, vec!["community.example"]);
    let fb = email(&[], "Ana commented", "notification@facebookmail.com");
    assert_eq!(classify(&fb, &replaced).category, Category::Inbox);
}

#[test]
fn mailing_list_discussion_stays_in_inbox() {
    let mut e = email(
        &[
            ("List-Id", "Rust users <rust-users.lists.example.org>"),
            (
                "List-Unsubscribe",
                "<mailto:rust-users-leave@lists.example.org>",
            ),
            ("List-Post", "<mailto:rust-users@lists.example.org>"),
            ("Precedence", "list"),
            ("X-Mailman-Version", "2.1.39"),
            ("In-Reply-To", "<abc@host.example>"),
        ],
        "Re: [rust-users] Best crate for a sale on lifetimes?",
        "pat@uni.example",
    );
    e.text = Some("I'd use the newer API.\n\n_______________\nrust-users mailing list\nTo unsubscribe send a mail to rust-users-leave@lists.example.org");
    let c = classify(&e, &Config::default());
    assert_eq!(c.category, Category::Inbox, "{}", c.summary());
    for r in ["list-post", "list-manager", "reply", "plain-text"] {
        assert!(rules(&c).contains(&r), "{r}: {}", c.summary());
    }
}

#[test]
fn tool_notifications_and_invitations_stay_in_inbox() {
    let mut e = email(
        &[
            ("List-Id", "acme/widget <widget.acme.github.com>"),
            ("List-Unsubscribe", "<mailto:unsub+x@reply.github.com>"),
            ("X-GitHub-Reason", "subscribed"),
        ],
        "[acme/widget] Release v2.0: new offers API (#512)",
        "notifications@github.com",
    );
    e.html = Some("<p>Merged #512.</p><p>Reply to this email directly, view it on GitHub, or unsubscribe.</p>");
    let c = classify(&e, &Config::default());
    assert_eq!(c.category, Category::Inbox, "{}", c.summary());
    assert!(rules(&c).contains(&"tool:github"));

    let mut invite = email(
        &[("List-Unsubscribe", "<mailto:x@y>")],
        "Invitation: Product sale review @ Tue",
        "anna@corp.example",
    );
    invite.attachment_types = vec!["text/calendar"];
    invite.html = Some("<p>Join the meeting. Shop now?</p>");
    assert_eq!(
        classify(&invite, &Config::default()).category,
        Category::Inbox
    );
}

#[test]
fn personal_mail_scores_nothing() {
    let mut e = email(
        &[("Message-ID", "<CAF=abc@mail.gmail.com>")],
        "Cena el sábado",
        "lucia.p@gmail.com",
    );
    e.text = Some("¿Te viene bien a las nueve? Llevo el postre.");
    let c = classify(&e, &Config::default());
    assert_eq!(c.category, Category::Inbox);
    assert!(c.score <= 0.0, "{}", c.summary());
    assert_eq!(c.summary(), "inbox (plain-text -1, score -1)");
}

#[test]
fn extra_vocabulary_and_threshold() {
    let mut e = email(&[], "Gran liquidación de primavera", "tienda@shop.example");
    e.html = Some("<p>Todo a mitad de precio.</p>");
    let base = Config::default();
    let c = classify(&e, &base);
    assert_eq!(c.category, Category::Inbox, "{}", c.summary());
    let words = Config::default().promotion_words(&["Mitad de PRECIO".into(), "  ".into()]);
    assert_eq!(words.promotion_words, vec!["mitad de precio"]);
    let c2 = classify(
        &e,
        &Config {
            threshold: 2.0,
            ..words
        },
    );
    assert_eq!(c2.category, Category::Promotion, "{}", c2.summary());

    let mut t = email(
        &[("List-Unsubscribe", "<mailto:x@y>"), ("Precedence", "bulk")],
        "Tu entrada para el concierto",
        "entradas@shop.example",
    );
    t.html = Some("<p>Unsubscribe</p>");
    assert_eq!(
        classify(&t, &Config::default()).category,
        Category::Promotion
    );
    let tw = Config::default().transactional_words(&["tu entrada".into()]);
    assert_eq!(classify(&t, &tw).category, Category::Inbox);
}

#[test]
fn esp_detection_prefers_marketing_services() {
    let e = email(
        &[
            ("Return-Path", "<bounces+123@em.sendgrid.net>"),
            (
                "DKIM-Signature",
                "v=1; a=rsa-sha256; d=klaviyomail.com; s=k1; b=abc",
            ),
        ],
        "hello",
        "a@b.example",
    );
    let c = classify(&e, &Config::default());
    assert!(rules(&c).contains(&"esp:klaviyo"), "{}", c.summary());
    let r = email(
        &[(
            "Received",
            "from o1.ptr1234.shop.example (o1.ptr1234.sendgrid.net [1.2.3.4]) by mx",
        )],
        "x",
        "a@b.example",
    );
    assert!(rules(&classify(&r, &Config::default())).contains(&"esp:sendgrid"));
}

#[test]
fn odd_input_does_not_panic() {
    let e = Email::default();
    assert_eq!(classify(&e, &Config::default()).category, Category::Inbox);
    let mut e = email(
        &[
            ("", ""),
            ("List-Unsubscribe", ""),
            ("DKIM-Signature", "d="),
            ("Received", "@@ :// .. <> ñ.ñ"),
        ],
        "%%%% 9999999 ☃",
        "@",
    );
    e.html = Some("<a href=<img width=1 height=1 <style");
    e.text = Some("é%");
    let _ = classify(&e, &Config::default()).summary();
    assert_eq!(Category::parse(" Promotion "), Some(Category::Promotion));
    assert_eq!(Category::parse("spam"), None);
}

/// Regression: the entity decoder sliced the text after `&` at a fixed byte count, which panics
/// when that count falls inside a multi-byte character (`end byte index 10 is not a char
/// boundary; it is inside 'é'`). Real newsletters in French, Spanish, CJK and with emoji put a
/// bare `&` or an entity right before such characters.
#[test]
fn multilingual_html_newsletters_do_not_panic() {
    let bodies = [
        // French: "&" then accented letters within the next ten bytes.
        "<html><body><h1>Soldes d'hiver & réductions</h1><p>Livraison gratuite &agrave; \
         partir de 50 €. Jusqu'à -40 % sur une sélection d'articles. Découvrez & économisez!</p>\
         <a href=\"https://boutique.example/?utm_campaign=soldes\">J'en profite</a>\
         <p>Se désinscrire & gérer mes préférences</p></body></html>",
        // Spanish.
        "<p>Rebajas & envío gratis: ¡hasta el 50% de descuento! Pequeñas & más</p>\
         <p>Si no deseas recibir más correos, date de baja aquí & ahora.</p>",
        // Japanese, Chinese and Korean.
        "<div>セール&お得な情報：全品30%オフ！送料無料&ポイント10倍</div>\
         <div>限时优惠&新品上市，全场八折&包邮</div><div>특가&할인 이벤트 진행 중</div>",
        // Emoji right after `&` and inside entity-like runs.
        "<p>🎁&🎉 Black Friday &🔥🔥🔥 deals &#x1F600; &amp;🛒 &nbsp;😀😀😀😀</p>",
        // `&` at the very end, after a multi-byte character.
        "Prix réduit é&",
        "ééééé&éééééééééé;",
        "&é;&€€€€€€€€€;&#xé;",
    ];
    for html in bodies {
        let f = html::scan(html, 100_000);
        assert!(!f.text.is_empty(), "{html}");
        let mut e = email(
            &[("List-Unsubscribe", "<https://boutique.example/u>")],
            "Soldes & réductions 🎁",
            "news@boutique.example",
        );
        e.html = Some(html);
        let _ = classify(&e, &Config::default());
    }
    // Entities still decode next to multi-byte text.
    let f = html::scan("é&eacute;&amp;日本", 100);
    assert_eq!(f.text, "éé&日本");
}

/// Fediverse notifications are social from any instance, by their structure; chat, forum and
/// personal mail using the same words are not.
#[test]
fn fediverse_notifications_from_any_instance_are_social() {
    // Mastodon on an unknown instance: list headers and conversation threading, which the
    // reply rule would otherwise count against.
    let mut e = email(
        &[
            ("List-ID", "<mention.bob.toot.unknown-town.example>"),
            (
                "In-Reply-To",
                "<conversation-771.2026-01-14@toot.unknown-town.example>",
            ),
            (
                "List-Unsubscribe",
                "<https://toot.unknown-town.example/unsubscribe?token=x&type=mention>",
            ),
            ("Precedence", "list"),
        ],
        "You were mentioned by ana@toot.unknown-town.example",
        "notifications@toot.unknown-town.example",
    );
    e.text = Some("https://toot.unknown-town.example/@ana/113827711224466");
    let c = classify(&e, &Config::default());
    assert_eq!(c.category, Category::Social, "{}", c.summary());
    assert!(c.summary().contains("fediverse[list-id"), "{}", c.summary());

    // Lemmy: no list headers, only links and wording.
    let mut e = email(
        &[],
        "Reply from tinkerer",
        "noreply@lemmy.workbench.example",
    );
    e.text = Some(
        "tinkerer replied to your comment\nhttps://lemmy.workbench.example/comment/4410982\n\
         inbox: https://lemmy.workbench.example/inbox",
    );
    let c = classify(&e, &Config::default());
    assert_eq!(c.category, Category::Social, "{}", c.summary());

    // Misskey in Japanese.
    let mut e = email(&[], "フォローされました", "noreply@misskey.yozora.example");
    e.html = Some(
        "<p><a href=\"https://misskey.yozora.example/@hana\">はな</a>があなたをフォローしました。</p>\
         <a href=\"https://misskey.yozora.example/notes/9q7zx2ab1c\">ノート</a>",
    );
    let c = classify(&e, &Config::default());
    assert_eq!(c.category, Category::Social, "{}", c.summary());

    // A password reset from an instance is the user's business.
    let mut e = email(
        &[("List-ID", "<mention.bob.toot.unknown-town.example>")],
        "Reset password instructions",
        "notifications@toot.unknown-town.example",
    );
    e.text = Some("https://toot.unknown-town.example/@ana/113827711224466 mentioned you");
    assert_eq!(classify(&e, &Config::default()).category, Category::Inbox);

    // Same words without the structure: a chat mention, a forum mention, a friend's link.
    let mut e = email(
        &[],
        "ana mentioned you in #general",
        "notification@chat.workplace.example",
    );
    e.text = Some("ana mentioned you: https://chat.workplace.example/archives/C01/p1700");
    assert_ne!(classify(&e, &Config::default()).category, Category::Social);
    let mut e = email(
        &[],
        "[Forum] ana mentioned you in 'Brakes'",
        "forum@discuss.bikes.example",
    );
    e.text = Some(
        "ana mentioned you\nhttps://discuss.bikes.example/t/brakes/4410/3\n\
         https://discuss.bikes.example/u/ana",
    );
    assert_ne!(classify(&e, &Config::default()).category, Category::Social);
    let mut e = email(&[], "mira esto", "marta@gmail.com");
    e.text = Some("Ana te ha mencionado: https://social.velocipedo.example/@ana/113990021776540");
    assert_eq!(classify(&e, &Config::default()).category, Category::Inbox);
}

/// `for_each_word` gives the non-empty pieces of the `split` it replaced (issue 19).
#[test]
fn words_are_the_split_pieces() {
    let pieces = [
        "a", "b.c", " ", "\t", "\u{0b}", "\u{a0}", "\u{2003}", "é", "<", ">", "(", ")", "[", "]",
        ";", ",", "=", "\"", "'", "@", "://", "x", "\u{3000}", "ñ",
    ];
    crate::for_each_random_text(&pieces, 20_000, |t, _| {
        let reference: Vec<&str> = t
            .split(|c: char| {
                c.is_whitespace()
                    || matches!(
                        c,
                        '<' | '>' | '(' | ')' | '[' | ']' | ';' | ',' | '=' | '"' | '\''
                    )
            })
            .filter(|w| !w.is_empty())
            .collect();
        let mut words = Vec::new();
        super::for_each_word(t, |w| words.push(w));
        assert_eq!(words, reference, "{t:?}");
    });
}

/// The summary's numbers are written as `format!("{:.2}")` wrote them (issue 19, fifth round:
/// quarters by integer arithmetic).
#[test]
fn two_decimals_is_format() {
    let mut values = vec![
        0.0,
        -0.0,
        0.25,
        -0.25,
        0.125,
        -0.125,
        1.005,
        2.675,
        1e12,
        2.5e11,
        -2.5e11,
        1e300,
        f64::MAX,
        f64::MIN_POSITIVE,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        3.0 - 4.0 + 0.5,
        0.1 + 0.2,
    ];
    let mut r: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..20_000 {
        r = r
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let quarters = (r >> 40) as i64 - (1 << 23);
        values.push(quarters as f64 / 4.0);
        values.push(quarters as f64 / 8.0);
        values.push(quarters as f64 / 100.0);
        values.push(f64::from_bits(r));
    }
    for v in values {
        assert_eq!(two_decimals(v), format!("{v:.2}"), "{v:?}");
    }
}
