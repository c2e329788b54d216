// Administration: accounts (disable or enable, grant or take back the administrator role,
// delete), whether registration is open, and library scans with their progress.

import { api, get, session } from '../api.js';
import { announce, busy, field, h, page, problem } from '../dom.js';

/** The dialog that deletes an account once its username is typed out; `done` redraws. */
function deleteDialog(done) {
  const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
  const what = h('p', { id: 'admin-delete-what' });
  const label = h('span');
  const form = h('form', { method: 'dialog' },
    h('h2', { id: 'admin-delete-title' }, 'Delete this account?'),
    what,
    field('Username', { id: 'admin-delete-confirm', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', required: true }),
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'danger' }, label), cancel));
  const dialog = h('dialog', { id: 'admin-delete-dialog', 'aria-labelledby': 'admin-delete-title', 'aria-describedby': 'admin-delete-what' }, form);
  let user = null;
  let opener = null;
  cancel.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => { if (opener && opener.isConnected) opener.focus(); });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(form, async () => {
      if (form['admin-delete-confirm'].value.trim() !== user.username) {
        throw new Error(`Type ${user.username} exactly to delete this account.`);
      }
      await api('DELETE', `/v1/admin/users/${user.id}`);
      opener = null;
      dialog.close();
      announce(`${user.username} was deleted, with everything of theirs.`);
      await done();
    });
  });
  const open = (u, button) => {
    user = u;
    opener = button;
    form.reset();
    form.querySelector('.error')?.remove();
    what.textContent = `This deletes ${u.username} for good, with their playlists, listening history, ` +
      'imports, likes, follows, sync jobs, Spotify connection, shows, uploaded audio and tokens. ' +
      `It cannot be undone. Type ${u.username} to confirm.`;
    label.textContent = `Delete ${u.username}`;
    dialog.showModal();
    form['admin-delete-confirm'].focus();
  };
  return { dialog, open };
}

async function users() {
  const holder = h('div', { id: 'users' });
  const table = h('div');
  const remover = deleteDialog(async () => {
    await draw();
    holder.querySelector('#users tbody button')?.focus();
  });
  holder.append(table, remover.dialog);
  const draw = async () => {
    const { items } = await get('/v1/admin/users');
    const act = (u, text, change, said) => h('button', { type: 'button', class: 'small', 'aria-label': `${text} ${u.username}`,
      onclick: async (e) => {
        e.currentTarget.disabled = true;
        try { await api('PATCH', `/v1/admin/users/${u.id}`, change); announce(said); } catch (err) { announce(err.message); }
        await draw();
        holder.querySelector(`[aria-label$=" ${CSS.escape(u.username)}"]`)?.focus();
      } }, text);
    table.replaceChildren(h('table', {},
      h('caption', { class: 'muted' }, `${items.length} accounts`),
      h('thead', {}, h('tr', {}, ['User', 'Role', 'State', 'Since', 'Actions'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, items.map((u) => {
        const self = u.id === session.user.id;
        return h('tr', {},
          h('td', {}, u.username, self ? ' (you)' : ''),
          h('td', {}, u.is_admin ? 'administrator' : 'member'),
          h('td', { class: u.disabled ? 'error' : '' }, u.disabled ? 'disabled' : 'active'),
          h('td', {}, new Date(u.created_at).toLocaleDateString()),
          h('td', { class: 'actions' }, self ? h('span', { class: 'muted' }, '—') : [
            u.disabled ? act(u, 'Enable', { disabled: false }, `${u.username} may sign in again.`)
              : act(u, 'Disable', { disabled: true }, `${u.username} is disabled and signed out everywhere.`),
            u.is_admin ? act(u, 'Remove administrator', { is_admin: false }, `${u.username} is no longer an administrator.`)
              : act(u, 'Make administrator', { is_admin: true }, `${u.username} is an administrator now.`),
            h('button', { type: 'button', class: 'small', 'aria-haspopup': 'dialog', 'aria-label': `Delete ${u.username}`,
              onclick: (e) => remover.open(u, e.currentTarget) }, 'Delete'),
          ]));
      }))));
  };
  await draw();
  return holder;
}

function scanRow(scan) {
  const done = scan.status !== 'running' && scan.status !== 'queued';
  const report = scan.report ? Object.entries(scan.report).filter(([, v]) => typeof v === 'number').map(([k, v]) => `${v} ${k.replace(/_/g, ' ')}`).join(', ') : '';
  return h('li', { class: 'card' },
    h('strong', {}, scan.paths.join(', ')),
    h('span', { class: 'muted' }, ` · ${new Date(scan.created_at).toLocaleString()} · ${scan.status}`),
    done ? null : h('div', { class: 'field' },
      h('label', { for: `scan-${scan.id}` }, `${Math.floor(scan.progress.percent)}% (${scan.progress.files_done} of ${scan.progress.files_total} files)`),
      h('progress', { id: `scan-${scan.id}`, max: '100', value: String(scan.progress.percent) })),
    scan.error ? h('p', { class: 'error' }, scan.error) : null,
    report ? h('p', {}, report) : null);
}

async function scans() {
  const list = h('div', { id: 'scans', 'aria-live': 'polite' });
  let timer;
  const draw = async () => {
    clearTimeout(timer);
    const found = await get('/v1/admin/library/scans');
    const items = Array.isArray(found) ? found : found.items || [];
    list.replaceChildren(items.length ? h('ul', { class: 'plain', 'aria-label': 'Library scans' }, items.map(scanRow))
      : h('p', { class: 'muted' }, 'No scans yet.'));
    if (items.some((s) => s.status === 'running' || s.status === 'queued')) timer = setTimeout(() => { if (list.isConnected) draw().catch(() => {}); }, 500);
  };
  const paths = h('textarea', { id: 'scan-paths', rows: '2', required: true, placeholder: '/srv/music' });
  const copy = h('input', { type: 'checkbox', id: 'scan-copy' });
  const form = h('form', { class: 'card' },
    h('div', { class: 'field' }, h('label', { for: 'scan-paths' }, 'Folders to scan, one a line (on the server)'), paths),
    h('div', { class: 'check' }, copy, h('label', { for: 'scan-copy' }, 'Copy the files into Medley\'s storage')),
    h('button', { type: 'submit' }, 'Scan'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(form, async () => {
      const folders = paths.value.split('\n').map((p) => p.trim()).filter(Boolean);
      await api('POST', '/v1/admin/library/scans', { paths: folders, ...(copy.checked ? { copy: true } : {}) });
      announce('Scan started.');
      form.reset();
      await draw();
    });
  });
  await draw();
  return [form, list];
}

export async function adminPage() {
  if (!session.user.is_admin) {
    return page('Administration', h('p', { class: 'error', role: 'alert' }, 'Only administrators can see this page.'));
  }
  return page('Administration',
    h('section', { 'aria-labelledby': 'users-h' }, h('h2', { id: 'users-h' }, 'Accounts'), await users()),
    h('section', { 'aria-labelledby': 'reg-h' }, h('h2', { id: 'reg-h' }, 'Registration'), await registration()),
    h('section', { 'aria-labelledby': 'scans-h' }, h('h2', { id: 'scans-h' }, 'Library scans'), await scans()));
}

/** Whether anyone may create an account: a switch, unless the server's configuration fixes it. */
async function registration() {
  const holder = h('div', { id: 'registration' });
  let settings;
  try { settings = await get('/v1/admin/settings'); } catch (e) { holder.append(problem(e)); return holder; }
  const state = h('p', { id: 'registration-state' });
  const say = (open) => {
    state.textContent = open
      ? 'Open: anyone who can reach this server may create an account.'
      : 'Closed: only administrators add accounts (medley user add).';
  };
  say(settings.registration_open);
  if (settings.registration_fixed) {
    holder.append(state, h('p', { class: 'muted' }, 'Set by MEDLEY_REGISTRATION in the server\'s configuration: change it there.'));
    return holder;
  }
  const open = h('input', { type: 'checkbox', id: 'registration-open', checked: settings.registration_open });
  const form = h('form', { class: 'card', 'aria-describedby': 'registration-state' },
    h('div', { class: 'check' }, open, h('label', { for: 'registration-open' }, 'Anyone may create an account')),
    h('button', { type: 'submit' }, 'Save'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(form, async () => {
      const saved = await api('PATCH', '/v1/admin/settings', { registration_open: open.checked });
      open.checked = saved.registration_open;
      say(saved.registration_open);
      announce(saved.registration_open ? 'Registration is open.' : 'Registration is closed.');
    });
  });
  holder.append(state, form);
  return holder;
}
