// Passkeys (WebAuthn): adding one on /account/passkeys, signing in with one on /login.
// Without this file, or in a browser without WebAuthn, the pages work as before, with passwords:
// the passkey controls stay hidden. Exchanges are form posts carrying the page's CSRF token.
"use strict";
(function () {
  function decode(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    const bin = atob(s + "===".slice((s.length + 3) % 4));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0)).buffer;
  }
  function encode(buf) {
    let s = "";
    new Uint8Array(buf).forEach((b) => { s += String.fromCharCode(b); });
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function ids(list) {
    return (list || []).map((c) => Object.assign({}, c, { id: decode(c.id) }));
  }
  async function post(url, fields) {
    const body = new URLSearchParams(fields);
    body.set("csrf", document.querySelector("input[name=csrf]").value);
    const r = await fetch(url + location.search, { method: "POST", body: body, credentials: "same-origin" });
    const data = await r.json().catch(() => ({}));
    if (!r.ok) {
      const e = new Error(data.error || r.statusText);
      e.server = Boolean(data.error);  // a message the node wrote for people, in the page's language
      throw e;
    }
    return data;
  }
  async function register(form) {
    const label = form.querySelector("[name=label]").value.trim();
    const got = await post("/account/passkeys/options", {});
    const o = got.options;
    o.challenge = decode(o.challenge);
    o.user.id = decode(o.user.id);
    o.excludeCredentials = ids(o.excludeCredentials);
    const cred = await navigator.credentials.create({ publicKey: o });
    const r = cred.response;
    const answer = {
      id: cred.id, rawId: encode(cred.rawId), type: cred.type, authenticatorAttachment: cred.authenticatorAttachment,
      clientExtensionResults: cred.getClientExtensionResults(),
      response: { clientDataJSON: encode(r.clientDataJSON), attestationObject: encode(r.attestationObject),
                  transports: r.getTransports ? r.getTransports() : [] },
    };
    await post("/account/passkeys", { handle: got.handle, label: label, credential: JSON.stringify(answer) });
    location.reload();
  }
  async function signIn(box) {
    const got = await post("/login/passkey/options", {});
    const o = got.options;
    o.challenge = decode(o.challenge);
    o.allowCredentials = ids(o.allowCredentials);
    const cred = await navigator.credentials.get({ publicKey: o });
    const r = cred.response;
    const answer = {
      id: cred.id, rawId: encode(cred.rawId), type: cred.type, authenticatorAttachment: cred.authenticatorAttachment,
      clientExtensionResults: cred.getClientExtensionResults(),
      response: { clientDataJSON: encode(r.clientDataJSON), authenticatorData: encode(r.authenticatorData),
                  signature: encode(r.signature), userHandle: r.userHandle ? encode(r.userHandle) : null },
    };
    const done = await post("/login/passkey", { handle: got.handle, credential: JSON.stringify(answer), next: box.dataset.next || "" });
    location.assign(done.next);
  }
  const status = document.getElementById("passkey-status");
  function show(text) {
    status.textContent = text;
    status.hidden = false;
  }
  if (!window.PublicKeyCredential || !status) return;
  document.querySelectorAll("[data-passkey]").forEach((el) => {
    const act = el.dataset.passkey === "register" ? register : signIn;
    el.hidden = false;
    el.addEventListener(el.tagName === "FORM" ? "submit" : "click", (ev) => {
      ev.preventDefault();
      status.hidden = true;
      act(el).catch((e) => show(e.server ? e.message : el.dataset.failed));
    });
  });
})();
