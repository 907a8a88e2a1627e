//! Who sends what: bulk-mail services (ESPs), social networks, tools whose notifications are
//! work mail, and shared mailbox providers.

/// A bulk-mail service. `marketing` services exist to send newsletters and campaigns; the
/// others (SendGrid, Mailgun, SES, …) carry receipts and password resets as much as marketing,
/// so their fingerprint is weaker evidence.
pub struct Esp {
    pub name: &'static str,
    pub marketing: bool,
    /// Header field names (lower case) or prefixes ending in `-` that the service adds.
    pub headers: &'static [&'static str],
    /// Domains (and their subdomains) of its bounce addresses, DKIM signatures, Message-IDs and
    /// tracking links.
    pub domains: &'static [&'static str],
}

/// Marketing services first: a message showing both kinds of fingerprint is reported (and
/// weighed) as marketing.
pub const ESPS: &[Esp] = &[
    Esp {
        name: "mailchimp",
        marketing: true,
        headers: &["x-mc-user", "x-mailchimp-"],
        domains: &[
            "mcsv.net",
            "mcdlv.net",
            "rsgsv.net",
            "mailchimpapp.net",
            "list-manage.com",
            "mailchi.mp",
        ],
    },
    Esp {
        name: "klaviyo",
        marketing: true,
        headers: &["x-klaviyo-"],
        domains: &[
            "klaviyomail.com",
            "klaviyodns.com",
            "kmail-lists.com",
            "klclick.com",
            "klclick1.com",
        ],
    },
    Esp {
        name: "campaignmonitor",
        marketing: true,
        headers: &["x-cmail-"],
        domains: &[
            "createsend.com",
            "createsend1.com",
            "cmail19.com",
            "cmail20.com",
        ],
    },
    Esp {
        name: "salesforce-mc",
        marketing: true,
        headers: &["x-sfmc-stack"],
        domains: &["exacttarget.com", "exct.net", "sfmc-content.com"],
    },
    Esp {
        name: "marketo",
        marketing: true,
        headers: &["x-marketoid", "x-mktarchive", "x-mktmaildkim"],
        domains: &["mktomail.com", "mktdns.com"],
    },
    Esp {
        name: "hubspot",
        marketing: true,
        headers: &["x-hubspot-"],
        domains: &[
            "hubspotemail.net",
            "hubspotlinks.com",
            "hubspotstarter.net",
            "hs-analytics.net",
        ],
    },
    Esp {
        name: "brevo",
        marketing: true,
        headers: &["x-mailin-", "x-sib-id"],
        domains: &[
            "sendinblue.com",
            "brevo.com",
            "sender-sib.com",
            "brevosend.com",
        ],
    },
    Esp {
        name: "mailerlite",
        marketing: true,
        headers: &["x-mailerlite-"],
        domains: &["mlsend.com", "mlsend2.com", "mailerlite.com"],
    },
    Esp {
        name: "acumbamail",
        marketing: true,
        headers: &["x-acumbamail-"],
        domains: &["acumbamail.com"],
    },
    Esp {
        name: "mailrelay",
        marketing: true,
        headers: &["x-mailrelay-"],
        domains: &["mailrelay.com", "ip-mailrelay.com"],
    },
    Esp {
        name: "activecampaign",
        marketing: true,
        headers: &["x-ac-"],
        domains: &[
            "acems1.com",
            "acems.com",
            "emsend1.com",
            "activehosted.com",
            "acemlna.com",
        ],
    },
    Esp {
        name: "convertkit",
        marketing: true,
        headers: &["x-convertkit-"],
        domains: &["convertkit-mail.com", "convertkit-mail2.com", "ck.page"],
    },
    Esp {
        name: "substack",
        marketing: true,
        headers: &["x-substack-"],
        domains: &["substack.com", "substackcdn.com"],
    },
    Esp {
        name: "beehiiv",
        marketing: true,
        headers: &["x-beehiiv-"],
        domains: &["beehiiv.com"],
    },
    Esp {
        name: "emarsys",
        marketing: true,
        headers: &["x-emarsys-"],
        domains: &["emarsys.net", "emarsys.com"],
    },
    Esp {
        name: "sendgrid",
        marketing: false,
        headers: &["x-sg-eid", "x-sg-id", "x-sendgrid-"],
        domains: &["sendgrid.net", "sendgrid.com"],
    },
    Esp {
        name: "mailgun",
        marketing: false,
        headers: &["x-mailgun-"],
        domains: &["mailgun.org", "mailgun.net", "mailgun.info"],
    },
    Esp {
        name: "amazon-ses",
        marketing: false,
        headers: &["x-ses-outgoing"],
        domains: &["amazonses.com"],
    },
    Esp {
        name: "sparkpost",
        marketing: false,
        headers: &["x-msys-api"],
        domains: &["sparkpostmail.com"],
    },
    Esp {
        name: "mailjet",
        marketing: false,
        headers: &["x-mj-mid", "x-mailjet-"],
        domains: &["mailjet.com"],
    },
    Esp {
        name: "mandrill",
        marketing: false,
        headers: &["x-mandrill-user"],
        domains: &["mandrillapp.com"],
    },
];

/// Bulk-mailing software as named in `X-Mailer` (lower case substrings).
pub const BULK_MAILERS: &[&str] = &[
    "phplist",
    "sendy",
    "mautic",
    "mailpoet",
    "mailchimp",
    "acumbamail",
    "mailrelay",
    "mailerlite",
    "interspire",
    "newsletter",
    "campaign",
    "emailing",
    "bulk",
];

/// Local parts (or their `.`/`-`/`_`-separated words) that marketing senders use.
pub const MARKETING_LOCALS: &[&str] = &[
    "news",
    "newsletter",
    "newsletters",
    "marketing",
    "promo",
    "promos",
    "promotions",
    "offers",
    "deals",
    "ofertas",
    "promociones",
    "noticias",
    "boletin",
    "novedades",
    "campaigns",
    "mailing",
];

/// Social networks (the built-in `social_domains`): their notification mail comes from these
/// domains or their subdomains.
pub const SOCIAL_DOMAINS: &[&str] = &[
    "facebookmail.com",
    "facebook.com",
    "instagram.com",
    "linkedin.com",
    "x.com",
    "twitter.com",
    "tiktok.com",
    "pinterest.com",
    "reddit.com",
    "redditmail.com",
    "mastodon.social",
    "threads.net",
    "bsky.app",
    "bsky.social",
    "youtube.com",
    "tumblr.com",
    "quora.com",
    "snapchat.com",
    "discord.com",
    "nextdoor.com",
    "meetup.com",
    "vk.com",
    "xing.com",
    "flickr.com",
    "twitch.tv",
    "strava.com",
    "goodreads.com",
];

/// Header fields social networks put on their notifications (lower case).
pub const SOCIAL_HEADERS: &[&str] = &[
    "x-facebook-notify",
    "x-facebook-priority",
    "x-linkedin-class",
    "x-linkedin-template",
    "x-twitteremailtype",
    "x-twitterimpressionid",
    "x-pinterest-",
    "x-reddit-",
    "x-mastodon-",
];

/// Header fields of development and ticketing tools: their notifications are work mail, not
/// social and not promotions.
pub const TOOL_HEADERS: &[(&str, &str)] = &[
    ("x-github-reason", "github"),
    ("x-gitlab-project", "gitlab"),
    ("x-gitlab-notificationreason", "gitlab"),
    ("x-jira-fingerprint", "jira"),
    ("x-redmine-project", "redmine"),
    ("x-bugzilla-product", "bugzilla"),
    ("x-gerrit-messagetype", "gerrit"),
    ("x-launchpad-notification-type", "launchpad"),
    ("x-phabricator-sent-this-message", "phabricator"),
    ("x-sentry-project", "sentry"),
];

/// Header fields of mailing-list managers (discussion lists).
pub const LIST_MANAGER_HEADERS: &[&str] = &[
    "x-mailman-version",
    "x-beenthere",
    "mailing-list",
    "x-google-group-id",
    "x-ezmlm-",
    "x-listserver",
];

/// Domains shared by unrelated senders (mailbox providers, newsletter platforms): learning a
/// sender's domain there would file every friend or author using it. Learning stays per address
/// for these.
pub const SHARED_DOMAINS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "outlook.es",
    "hotmail.com",
    "hotmail.es",
    "live.com",
    "msn.com",
    "yahoo.com",
    "yahoo.es",
    "ymail.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "aol.com",
    "gmx.com",
    "gmx.es",
    "gmx.de",
    "gmx.net",
    "web.de",
    "proton.me",
    "protonmail.com",
    "pm.me",
    "zoho.com",
    "yandex.com",
    "yandex.ru",
    "mail.ru",
    "fastmail.com",
    "tutanota.com",
    "tuta.io",
    "telefonica.net",
    "movistar.es",
    "orange.es",
    "terra.es",
    "substack.com",
];

/// `domain` is `parent` or a subdomain of it (both lower case).
pub fn in_domain(domain: &str, parent: &str) -> bool {
    // The dot before the suffix is tested before the suffix: most pairs differ there, and
    // `ends_with` is a call to `memcmp` (the ESP check tries ~90 domains per sending domain;
    // issue 19).
    domain == parent
        || (domain.len() > parent.len()
            && domain.as_bytes()[domain.len() - parent.len() - 1] == b'.'
            && domain.ends_with(parent))
}

/// A header name matches a pattern: equal, or a prefix when the pattern ends with `-`.
pub fn header_matches(name_lower: &str, pattern: &str) -> bool {
    if pattern.ends_with('-') {
        name_lower.starts_with(pattern)
    } else {
        name_lower == pattern
    }
}

/// True when the learnt domain of a sender must not be used (see [`SHARED_DOMAINS`]).
pub fn is_shared_domain(domain: &str) -> bool {
    SHARED_DOMAINS.iter().any(|d| in_domain(domain, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains() {
        assert!(in_domain("mail.instagram.com", "instagram.com"));
        assert!(in_domain("x.com", "x.com"));
        assert!(!in_domain("box.com", "x.com"));
        assert!(!in_domain("com", "x.com"));
        assert!(is_shared_domain("gmail.com"));
        assert!(!is_shared_domain("shop.example"));
    }

    #[test]
    fn marketing_services_come_first() {
        let first_generic = ESPS.iter().position(|e| !e.marketing).unwrap_or(ESPS.len());
        assert!(ESPS[first_generic..].iter().all(|e| !e.marketing));
    }

    #[test]
    fn tables_are_lower_case() {
        let all = ESPS
            .iter()
            .flat_map(|e| e.headers.iter().chain(e.domains))
            .chain(SOCIAL_DOMAINS)
            .chain(SOCIAL_HEADERS)
            .chain(TOOL_HEADERS.iter().map(|(h, _)| h))
            .chain(LIST_MANAGER_HEADERS)
            .chain(MARKETING_LOCALS)
            .chain(BULK_MAILERS)
            .chain(SHARED_DOMAINS);
        for s in all {
            assert_eq!(s.to_ascii_lowercase(), *s);
        }
    }
}
