import { normaliseName } from './screening/normalise';
import { tokenSimilarity } from './screening/match';
const a = normaliseName('ترخن اسميلوفيتش جزيف'), b = normaliseName('GAZIYEV, Tarkhan Ismailovich');
console.log(a.tokens.map(t => [t.text, t.folded, t.skeleton]), b.tokens.map(t => [t.text, t.folded, t.skeleton]));
console.log(tokenSimilarity(a.tokens[1]!, b.tokens[2]!));
const c = normaliseName('موهممد ابرهيم'), d = normaliseName('Mohammed Ibrahim');
console.log(c.tokens.map(t => [t.text, t.folded, t.skeleton]), d.tokens.map(t => [t.text, t.folded, t.skeleton]), tokenSimilarity(c.tokens[0]!, d.tokens[0]!), tokenSimilarity(c.tokens[1]!, d.tokens[1]!));
