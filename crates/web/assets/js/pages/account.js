// Register, sign in, the welcome page and account settings (password, API tokens).

import { api, session, signIn as start } from '../api.js';
import { announce, busy, field, h, link, navigate, page } from '../dom.js';
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

export function signIn() {
  if (session.user) return page('Signed in', h('p', {}, `You are signed in as ${session.user.username}.`));
  return page('Sign in',
    credentials('Sign in', async (username, password) => {
      await start(username, password);
      announce(`Signed in as ${username}.`);
      navigate(next(), { replace: true });
    }, 'current-password'),
    h('p', {}, 'New here? ', link('/register', 'Create an account'), '.'));
}

export function register() {
  return page('Create an account',
    credentials('Create account', async (username, password) => {
      await api('POST', '/v1/users', { username, password });
      await start(username, password);
      announce(`Welcome, ${username}.`);
      navigate('/search', { replace: true });
    }, 'new-password'),
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
    await subsonicSection());
}
