// Register, sign in, the welcome page and account settings (password, API tokens, deleting
// the account).

import { api, get, session, signIn as start } from '../api.js';
import { announce, busy, field, h, link, navigate, page, problem } from '../dom.js';
import { stopPlayer } from '../player.js';
import { subsonicSection, tokensSection } from './tokens.js';

export function welcome() {
  return page('Your music, on your server',
    h('p', { class: 'lead' }, 'Search the library, keep playlists, and see what you have been listening to.'),
    h('p', {}, link('/sign-in', 'Sign in'), ' or ', link('/register', 'create an account'), '.'));
}

function credentials(submitLabel, onSubmit, autocomplete) {
  const form = h('form', { class: 'card narrow' },
    field('Username', { id: 'username', autocomplete: 'username', required: true, autocapitalize: 'none' }),
    field('Password', { id: 'password', type: 'password', autocomplete, required: true }),
    h('button', { type: 'submit' }, submitLabel));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(form, () => onSubmit(form.username.value.trim(), form.password.value));
  });
  return form;
}

function next() {
  const target = new URLSearchParams(location.search).get('next');
  return target && target.startsWith('/') && !target.startsWith('//') ? target : '/search';
}

/** What this server offers to people signing in (registration, Spotify); errors in words. */
async function offers() {
  try {
    return { config: await get('/v1/web/config') };
  } catch (e) {
    return { error: e };
  }
}

/** Sign in with Spotify: to Spotify's consent page and back, signed in (or a new account). */
function spotifyButton() {
  const form = h('form', { class: 'card narrow', 'aria-label': 'Sign in with Spotify' },
    h('button', { type: 'submit', class: 'secondary' }, 'Sign in with Spotify'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(form, async () => {
      const { authorize_url: url } = await api('POST', '/v1/sessions/spotify');
      location.assign(url);
      // The button stays busy while the browser leaves for Spotify.
      await new Promise(() => {});
    });
  });
  return form;
}

export async function signIn() {
  if (session.user) return page('Signed in', h('p', {}, `You are signed in as ${session.user.username}.`));
  const { config, error } = await offers();
  return page('Sign in',
    credentials('Sign in', async (username, password) => {
      await start(username, password);
      announce(`Signed in as ${username}.`);
      navigate(next(), { replace: true });
    }, 'current-password'),
    error ? problem(error) : null,
    config && config.spotify_sign_in ? spotifyButton() : null,
    config && !config.registration_open
      ? h('p', { class: 'muted' }, 'New accounts are made by this server\'s administrator.')
      : h('p', {}, 'New here? ', link('/register', 'Create an account'), '.'));
}

export async function register() {
  const { config, error } = await offers();
  if (config && !config.registration_open) {
    return page('Create an account',
      h('p', {}, 'Registration is closed on this server: ask its administrator for an account.'),
      config.spotify_sign_in ? h('p', {}, 'If you already have an account linked to Spotify, ', link('/sign-in', 'sign in with Spotify'), '.') : null,
      h('p', {}, 'Have an account? ', link('/sign-in', 'Sign in'), '.'));
  }
  return page('Create an account',
    credentials('Create account', async (username, password) => {
      await api('POST', '/v1/users', { username, password });
      await start(username, password);
      announce(`Welcome, ${username}.`);
      navigate('/search', { replace: true });
    }, 'new-password'),
    error ? problem(error) : null,
    h('p', {}, 'Have an account? ', link('/sign-in', 'Sign in'), '.'));
}

export async function settings() {
  const form = h('form', { class: 'card narrow' },
    h('h2', {}, 'Change password'),
    h('input', { type: 'text', name: 'username', autocomplete: 'username', value: session.user.username, hidden: true, readonly: true }),
    field('Current password', { id: 'current', type: 'password', autocomplete: 'current-password', required: true }),
    field('New password', { id: 'new', type: 'password', autocomplete: 'new-password', required: true }),
    h('button', { type: 'submit' }, 'Change password'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(form, async () => {
      await api('PUT', '/v1/me/password', { current_password: form.current.value, new_password: form.new.value });
      form.reset();
      announce('Password changed. Your other sessions have ended.');
    });
  });
  return page('Account',
    h('p', {}, `Signed in as ${session.user.username}${session.user.is_admin ? ' (administrator)' : ''}.`),
    form,
    await tokensSection(),
    await subsonicSection(),
    deleteSection());
}

const GONE = 'your playlists (composites of other people that use them keep what they had), ' +
  'listening history and imports, liked songs, follows, sync jobs, the Spotify connection, ' +
  'shows, uploaded audio, API tokens and Subsonic keys.';

/** "Delete account": a button that opens a dialog asking for the password (or, for an account
 * that signs in with Spotify and has none, the username typed out). */
function deleteSection() {
  const user = session.user;
  const withPassword = user.has_password !== false;
  const input = withPassword
    ? field('Your password', { id: 'delete-confirm', type: 'password', autocomplete: 'current-password', required: true })
    : field(`Type your username, ${user.username}, to confirm`, { id: 'delete-confirm', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', required: true });
  const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
  const form = h('form', { method: 'dialog' },
    h('h2', { id: 'delete-title' }, 'Delete your account?'),
    h('p', { id: 'delete-what' }, `This deletes ${user.username} for good, with ${GONE} It cannot be undone.`),
    input,
    h('div', { class: 'row' },
      h('button', { type: 'submit', class: 'danger' }, 'Delete my account'),
      cancel));
  const dialog = h('dialog', { id: 'delete-dialog', 'aria-labelledby': 'delete-title', 'aria-describedby': 'delete-what' }, form);
  const open = h('button', { type: 'button', class: 'danger', 'aria-haspopup': 'dialog' }, 'Delete account…');
  open.addEventListener('click', () => {
    form.reset();
    const old = form.querySelector('.error');
    if (old) old.remove();
    dialog.showModal();
    form['delete-confirm'].focus();
  });
  cancel.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => { if (session.user) open.focus(); });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(form, async () => {
      const typed = form['delete-confirm'].value;
      await api('DELETE', '/v1/me', withPassword ? { password: typed } : { username: typed.trim() });
      session.user = null;
      session.csrf = null;
      dialog.close();
      try { await stopPlayer(); } catch { /* the account is gone: nothing to report to */ }
      navigate('/sign-in', { replace: true });
      announce('Your account was deleted. You are signed out.');
    });
  });
  return h('section', { class: 'card narrow', 'aria-labelledby': 'delete-h' },
    h('h2', { id: 'delete-h' }, 'Delete account'),
    h('p', {}, `Deleting your account removes ${GONE}`),
    open,
    dialog);
}
