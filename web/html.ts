// A tagged template that escapes every interpolated value unless it is already markup, so a page
// cannot render data as HTML by accident.

const MARKUP = Symbol('markup');

export interface Markup {
  readonly [MARKUP]: string;
}

type Interpolation = Markup | string | number | null | undefined | false | readonly Interpolation[];

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function isMarkup(value: unknown): value is Markup {
  return typeof value === 'object' && value !== null && MARKUP in value;
}

function toText(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (isMarkup(value)) return value[MARKUP];
  if (Array.isArray(value)) return value.map(toText).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Markup {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += toText(value) + (strings[i + 1] ?? '');
  });
  return { [MARKUP]: out };
}

export function markupText(markup: Markup): string {
  return markup[MARKUP];
}
