// Small DOM helpers: build elements without innerHTML, announce to screen readers.

/** h('button', {class: 'x', onclick: f}, 'text', child) builds an element. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/** An in-app link: the router handles it without a page load. */
export const link = (href, ...children) => h('a', { href, 'data-nav': true }, ...children);

/** Says something in the polite live region (and shows it briefly). */
export function announce(message) {
  const status = document.getElementById('status');
  status.textContent = message;
  status.classList.add('shown');
  clearTimeout(announce.timer);
  announce.timer = setTimeout(() => status.classList.remove('shown'), 4000);
}

/** A page: its heading (focused after navigation, so screen readers hear where they are). */
export function page(title, ...children) {
  document.title = `${title} · Medley`;
  return [h('h1', { tabindex: '-1' }, title), ...children];
}

/** An error shown in words, in place. */
export const problem = (error) => h('p', { class: 'error', role: 'alert' }, error.message || String(error));

export function duration(ms) {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function hours(ms) {
  if (ms < 3600000) return `${Math.round(ms / 60000)} min`;
  const h = ms / 3600000;
  return h >= 10 ? `${Math.round(h)} h` : `${h.toFixed(1)} h`;
}

/** Artists of a track or album as links. */
export const artists = (list) =>
  (list || []).flatMap((a, i) => [i ? ', ' : '', link(`/artists/${a.id}`, a.name)]);

/** A form field with its label. */
export function field(label, attrs) {
  const id = attrs.id || `f-${label.toLowerCase().replace(/\W+/g, '-')}`;
  return h('div', { class: 'field' }, h('label', { for: id }, label), h('input', { id, name: id, ...attrs }));
}

/**
 * Disables a form's button while `work` runs, with a spinner in it from the first moment (the
 * answer to a click is seen at once, however long the server takes); errors land in the form,
 * in words.
 */
export async function busy(form, work) {
  const button = form.querySelector('button[type=submit]');
  const old = form.querySelector('.error');
  if (old) old.remove();
  const spinner = h('span', { class: 'spinner', 'aria-hidden': 'true' });
  if (button) {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    button.prepend(spinner);
  }
  form.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } catch (e) {
    form.append(problem(e));
    return undefined;
  } finally {
    spinner.remove();
    form.removeAttribute('aria-busy');
    if (button) {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  }
}

/** Goes to an app page without a page load (the router in app.js listens). */
export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  window.dispatchEvent(new Event('medley:navigate'));
}
