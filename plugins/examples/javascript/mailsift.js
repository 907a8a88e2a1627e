// Mailsift plugins in JavaScript: the idiomatic layer over the `filter` world (wit/plugin.wit).
//
// A plugin is a function that takes a message and returns a verdict:
//
//     import { plugin, keep } from "../mailsift.js";
//     export const { info, filter, checkRecipient, learn, traits } = plugin(
//         { name: "my-rule", version: "0.1.0", description: "..." },
//         (msg) => (msg.subject ?? "").includes("invoice") ? keep().tag("invoice") : keep(),
//     );
//
// Build with scripts/build-lang-plugins.sh (componentize-js bundles the imports below). The
// component runs with no WASI (the server grants none): there is no console, clock, random or
// network; log with `log.info(...)`, keep state with `kv`.
import { log as hostLog } from "mailsift:plugin/log@0.1.3";
import * as hostKv from "mailsift:plugin/kv@0.1.3";
import * as hostConfig from "mailsift:plugin/config@0.1.3";

/** What to do with a message; the builder methods annotate a verdict that lets it through. */
export class Verdict {
    constructor(decision) {
        this.decision = decision;
    }
    #annotations() {
        if (this.decision.tag !== "continue") {
            throw new Error("annotations apply only to a verdict that lets the message through");
        }
        return this.decision.val;
    }
    /** Add a header field to the stored message. */
    header(name, value) {
        this.#annotations().addHeaders.push({ name, value });
        return this;
    }
    tag(tag) {
        this.#annotations().tags.push(tag);
        return this;
    }
    /** Add to the spam score (may be negative). */
    score(delta) {
        this.#annotations().score += delta;
        return this;
    }
    /** Suggest a folder, e.g. "Junk" or "Promotions". */
    folder(name) {
        this.#annotations().folder = name;
        return this;
    }
    explain(why) {
        this.#annotations().explanation = why;
        return this;
    }
    toWit() {
        return { decision: this.decision, perRecipient: [] };
    }
}

const annotations = () => ({ score: 0, tags: [], addHeaders: [], folder: undefined, explanation: undefined });

/** Let the message through (annotate with the builder methods). */
export const keep = () => new Verdict({ tag: "continue", val: annotations() });
export const reject = (code = 554, enhanced = "5.7.0", text = "Message refused") =>
    new Verdict({ tag: "reject", val: { code, enhanced, text } });
export const tempfail = (code = 451, enhanced = "4.7.1", text = "Try again later") =>
    new Verdict({ tag: "tempfail", val: { code, enhanced, text } });
export const discard = () => new Verdict({ tag: "discard" });

/** The decoded value of the first header field called `name` (case-insensitive). */
export function header(msg, name) {
    const lname = name.toLowerCase();
    const h = msg.headers.find((h) => h.name.toLowerCase() === lname);
    return h ? h.value : undefined;
}

/** Log lines in the server's log, tagged with the plugin and the queue id. */
export const log = {
    debug: (text) => hostLog("debug", text),
    info: (text) => hostLog("info", text),
    warn: (text) => hostLog("warn", text),
    error: (text) => hostLog("error", text),
};

/** The plugin's settings, `[plugin.NAME.config]` in the server configuration (strings). */
export const config = {
    get: (key, fallback) => hostConfig.get(key) ?? fallback,
    /** A comma-separated setting as a list of trimmed, non-empty items. */
    list: (key, fallback) => {
        const v = hostConfig.get(key);
        return v === undefined ? fallback : v.split(",").map((s) => s.trim()).filter((s) => s);
    },
};

/** The plugin's private key-value store (Uint8Array values), kept in the server's database. */
export const kv = {
    get: hostKv.get,
    getMany: hostKv.getMany,
    set: hostKv.set,
    delete: hostKv.delete,
    getString: (key) => {
        const v = hostKv.get(key);
        return v === undefined ? undefined : new TextDecoder().decode(v);
    },
    setString: (key, value) => hostKv.set(key, new TextEncoder().encode(value)),
};

/** The component's exports for a filter function `(msg) => Verdict`. */
export function plugin({ name, version = "0.1.0", description = "" }, filterFn) {
    return {
        info: () => ({ name, version, description, hooks: [] }),
        filter: (message) => {
            const v = filterFn(message);
            return v instanceof Verdict ? v.toWit() : v;
        },
        checkRecipient: (_envelope, _recipient) => ({ tag: "continue", val: annotations() }),
        learn: (_message, _class) => {},
        // Not stateless: module-level state may live on between messages, so each call gets a
        // fresh instance (WIT 0.1.3 `traits`).
        traits: () => ({ stateless: false }),
    };
}
