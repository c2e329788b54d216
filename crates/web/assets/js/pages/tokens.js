// Secrets on the account page: API tokens (for scripts and apps that use the API) and Subsonic
// API keys (for music players that speak OpenSubsonic). Both work alike: make a named one (its
// secret shown once, to copy), see each one's last use, revoke one. And the separate Subsonic
// password, for players that only know Subsonic's token sign-in.

import { api, get } from '../api.js';
import { announce, busy, field, h, problem } from '../dom.js';

const when = (at) => (at ? new Date(at).toLocaleString() : 'never');

/**
 * kind: {path, one ('token'), many ('tokens'), title, blurb, secret (the answer's field),
 * placeholder, use (how to use it, after the secret)}
 */
function secretsSection(kind) {
  const list = h('div', { id: kind.many });
  const secret = h('div', { id: `new-${kind.one}`, 'aria-live': 'polite' });
  const draw = async () => {
    try {
      const { items } = await get(kind.path);
      list.replaceChildren(items.length
        ? h('table', {},
          h('caption', { class: 'muted' }, `Your ${kind.title}`),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Made'),
            h('th', { scope: 'col' }, 'Last used'), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')))),
          h('tbody', {}, items.map((t) => h('tr', {},
            h('td', {}, t.name || '(no name)'), h('td', {}, when(t.created_at)), h('td', {}, when(t.last_used_at)),
            h('td', {}, h('button', { type: 'button', class: 'small', 'aria-label': `Revoke ${t.name || kind.one}`,
              onclick: (e) => revoke(e.currentTarget, t) }, 'Revoke'))))))
        : h('p', { class: 'muted' }, `No ${kind.title} yet.`));
    } catch (e) {
      list.replaceChildren(problem(e));
    }
  };
  const revoke = async (button, t) => {
    button.disabled = true;
    try {
      await api('DELETE', `${kind.path}/${t.id}`);
      announce(`Revoked ${t.name}. Requests with it are refused from now on.`);
      await draw();
      document.getElementById(`${kind.one}-name`).focus();
    } catch (e) {
      button.disabled = false;
      announce(e.message);
    }
  };
  const form = h('form', { class: 'row' },
    field(`${kind.label} name`, { id: `${kind.one}-name`, required: true, maxlength: 100, placeholder: kind.placeholder }),
    h('button', { type: 'submit' }, `Create ${kind.label.toLowerCase()}`));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(form, async () => {
      const made = await api('POST', kind.path, { name: form[`${kind.one}-name`].value });
      form.reset();
      const value = h('input', { id: `${kind.one}-secret`, readonly: true, value: made[kind.secret], class: 'secret', 'aria-describedby': `${kind.one}-once` });
      const copy = h('button', { type: 'button', class: 'small' }, 'Copy');
      copy.addEventListener('click', async () => {
        value.select();
        try { await navigator.clipboard.writeText(made[kind.secret]); announce('Copied.'); } catch { announce('Select it and copy it.'); }
      });
      secret.replaceChildren(h('div', { class: 'card' },
        h('label', { for: `${kind.one}-secret` }, `Your new ${kind.label.toLowerCase()} “${made.name}”`),
        h('div', { class: 'row' }, value, copy),
        h('p', { id: `${kind.one}-once`, class: 'muted' }, `Copy it now: it is shown only this once. ${kind.use}`)));
      value.focus();
      value.select();
      await draw();
    });
  });
  draw();
  return h('section', { class: 'card', 'aria-labelledby': `${kind.many}-h` },
    h('h2', { id: `${kind.many}-h` }, kind.heading), h('p', { class: 'muted' }, kind.blurb), form, secret, list);
}

export async function tokensSection() {
  return secretsSection({
    path: '/v1/me/tokens', one: 'token', many: 'tokens', label: 'Token', heading: 'API tokens', title: 'API tokens',
    secret: 'token', placeholder: 'backup script',
    blurb: 'For scripts and apps that use the API. Each works until you revoke it.',
    use: 'Send it as Authorization: Bearer …',
  });
}

/** Music players through OpenSubsonic (/rest): API keys, and the optional Subsonic password. */
export async function subsonicSection() {
  const keys = secretsSection({
    path: '/v1/me/subsonic/api-keys', one: 'subsonic-key', many: 'subsonic-keys', label: 'Key',
    heading: 'Music players (Subsonic)', title: 'Subsonic API keys', secret: 'key', placeholder: 'My phone',
    blurb: `Players such as Symfonium, Feishin or DSub connect to ${location.origin}/rest. Give a player a key of its own; revoke it when you stop using the player.`,
    use: 'Paste it into the player as its API key.',
  });
  const state = h('p', { id: 'subsonic-password-state', class: 'muted' });
  const drawState = async () => {
    try {
      const { set } = await get('/v1/me/subsonic/password');
      state.textContent = set
        ? 'A Subsonic password is set: players that only know user-and-password sign-in can use it.'
        : 'No Subsonic password: only API keys work. Set one for players that do not support API keys (never your Medley password).';
      clear.hidden = !set;
    } catch (e) {
      state.replaceChildren(problem(e));
    }
  };
  const clear = h('button', { type: 'button', class: 'secondary small', hidden: true }, 'Remove the Subsonic password');
  clear.addEventListener('click', async () => {
    try {
      await api('DELETE', '/v1/me/subsonic/password');
      announce('Subsonic password removed.');
    } catch (e) { announce(e.message); }
    await drawState();
  });
  const form = h('form', { class: 'row' },
    field('Subsonic password', { id: 'subsonic-password', type: 'password', required: true, minlength: 8, maxlength: 256, autocomplete: 'new-password' }),
    h('button', { type: 'submit' }, 'Set'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(form, async () => {
      await api('PUT', '/v1/me/subsonic/password', { password: form['subsonic-password'].value });
      form.reset();
      announce('Subsonic password set.');
      await drawState();
    });
  });
  await drawState();
  keys.append(h('h3', {}, 'Subsonic password'), state, form, clear);
  return keys;
}
