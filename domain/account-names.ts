// How usernames and e-mail addresses compare: Unicode NFKC, then case folded (upper then lower
// case, as ICU's root locale maps them: "ß" is "ss", "ＡＤＭＩＮ" is "admin"), then NFKC again. The
// database's account_name_key() takes the same steps and is the authority: the unique indexes and
// every account lookup use it. This copy keys the registration throttle, so that a name cannot be
// sent again in another case or width for a fresh allowance.
export function accountNameKey(value: string): string {
  return value.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}
