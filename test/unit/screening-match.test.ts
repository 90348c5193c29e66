// needs: nothing
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compareNames, prepareEntry, prepareQuery, scoreEntry } from '../../screening/match';
import { indexKeys, normaliseName } from '../../screening/normalise';
import { type ListEntry, type PersonQuery } from '../../screening/types';

// The matcher on its own: names in, scores and explanations out.

const names = (query: string, listed: string) => compareNames(normaliseName(query), normaliseName(listed)).score;

const zawahiri: ListEntry = {
  rowId: '00000000-0000-4000-8000-000000000001',
  entryId: 'ofac-sdn:2676',
  source: 'ofac-sdn',
  sourceId: '2676',
  contentHash: 'hash-1',
  kind: 'sanction',
  entityType: 'person',
  name: 'AL ZAWAHIRI, Dr. Ayman',
  names: [
    { name: 'AL ZAWAHIRI, Dr. Ayman', type: 'primary', quality: 'strong' },
    { name: 'SALIM, Ahmad Fuad', type: 'aka', quality: 'strong' },
    { name: 'Abu Fatima', type: 'aka', quality: 'weak' },
  ],
  birthDates: [{ date: '1951-06-19' }],
  countries: ['EG'],
  gender: 'male',
  programs: ['SDGT'],
};

const score = (query: PersonQuery, entry: ListEntry = zawahiri) => scoreEntry(prepareQuery(query), prepareEntry(entry));

describe('name normalisation', () => {
  test('when names differ in case, diacritics, punctuation and honorifics, then they normalise alike', () => {
    const plain = normaliseName('Ayman al Zawahiri').tokens.map((t) => t.folded);
    assert.deepEqual(normaliseName('DR. AYMAN AL-ZAWAHIRI').tokens.map((t) => t.folded), plain);
    assert.deepEqual(normaliseName('Dr Áyman  al-Zawáhiri').tokens.map((t) => t.folded), plain);
    assert.deepEqual(normaliseName('Sheikh Ayman "al" Zawahiri').tokens.map((t) => t.folded), plain);
  });

  test('when a name is written in Cyrillic, Greek, Arabic, Han or Hangul, then it becomes Latin tokens', () => {
    assert.deepEqual(normaliseName('Владимир Путин').tokens.map((t) => t.text), ['vladimir', 'putin']);
    assert.deepEqual(normaliseName('Γιώργος Παπαδόπουλος').tokens.map((t) => t.text), ['giorgos', 'papadopulos']);
    assert.deepEqual(normaliseName('李方伟').tokens.map((t) => t.text), ['li', 'fang', 'wei']);
    assert.deepEqual(normaliseName('김정은').tokens.map((t) => t.text), ['kim', 'jong', 'un']);
    const arabic = normaliseName('أيمن الظواهري').tokens;
    assert.ok(arabic.every((t) => t.abjad), 'tokens of an abjad are marked');
    assert.ok(arabic.some((t) => t.particle), 'the joined Arabic article is split off');
  });

  test('when two spellings of a name differ by transliteration convention, then their keys meet', () => {
    const shared = (a: string, b: string) => indexKeys(normaliseName(a)).filter((k) => indexKeys(normaliseName(b)).includes(k));
    assert.ok(shared('Zavakhiri', 'Zawahiri').length > 0);
    assert.ok(shared('Abdulrahman', 'Abdul Rahman').includes('t:abdulrahman'));
    assert.ok(shared('محمد', 'Mohammed').includes('s:mhmd'));
  });
});

describe('name comparison', () => {
  test('when the same name comes in another order, with a typo or without a middle name, then it still scores high', () => {
    assert.equal(names('Ayman al-Zawahiri', 'AL-ZAWAHIRI, Ayman'), 1);
    assert.equal(names('Zawahiri Ayman', 'AL-ZAWAHIRI, Ayman'), 1);
    assert.ok(names('Ayman Zawahri', 'AL-ZAWAHIRI, Ayman') > 0.85);
    assert.ok(names('Cumhur Yaukt', 'YAKUT, Cumhur') > 0.8, 'a transposition is one typo');
    assert.ok(names('Frank Bwambale', 'FRANK KAKOLELE BWAMBALE') > 0.85);
    assert.equal(names('Li Fang Wei', 'LI, Fangwei'), 1, 'words written apart or together');
  });

  test('when a name comes back from Cyrillic, Greek or Arabic script, then it matches the Latin listing', () => {
    assert.ok(names('Айман аз-Завахири', 'AL-ZAWAHIRI, Ayman') > 0.9);
    assert.ok(names('Άιμαν αλ-Ζαουάχιρι', 'AL-ZAWAHIRI, Ayman') > 0.8);
    assert.ok(names('أيمن الظواهري', 'AL-ZAWAHIRI, Ayman') > 0.9);
    assert.ok(names('μπενεντικτο κουινονες', 'QUINONES, Benedicto') > 0.9, 'Greek digraphs: μπ is b, ντ is d');
  });

  test('when only the family name is shared, or two names are merely alike, then the score stays low', () => {
    assert.ok(names('John Zawahiri', 'AL-ZAWAHIRI, Ayman') <= 0.5);
    assert.ok(names('Ayman Smith', 'AL-ZAWAHIRI, Ayman') <= 0.5);
    assert.ok(names('Maria Garcia', 'GARCIA RODRIGUEZ, Martha') < 0.8);
    assert.ok(names('Mary Chen', 'Marial Chan') < 0.8);
    assert.ok(names('Yan Zhang', 'ZHANG, Jian') < 0.8, 'short names a letter apart are other names');
    assert.ok(names('Vladimir Putin', 'KONONOV, Vladimir P.') < 0.8, 'an initial is a hint, not a match');
  });

  test('when a Latin query meets a listed name in Arabic script, then consonant skeletons do not make a match', () => {
    assert.ok(names('Jan Liu', 'ولی جان') < 0.6);
  });
});

describe('scoring an entry', () => {
  test('when the name and the date of birth match exactly, then the score is 1 and the explanation shows the entry side only', () => {
    const result = score({ names: ['Ayman Zawahiri'], dateOfBirth: '1951-06-19', countries: ['EG'] });
    assert.ok(result);
    assert.equal(result.score, 1);
    assert.equal(result.matchedName, 'AL ZAWAHIRI, Dr. Ayman');
    assert.deepEqual(result.explanation.adjustments.map((a) => [a.factor, a.entry_value]), [['dob_exact', '1951-06-19'], ['country_match', ['EG']]]);
    const customer = score({ names: ['Aymann Zawahirri'], dateOfBirth: '1951-06-19' });
    assert.ok(customer);
    assert.ok(!JSON.stringify(customer.explanation).toLowerCase().includes('aymann'), 'the customer spelling is not in the explanation');
    assert.deepEqual(customer.explanation.name.aligned.map((a) => a.entry_token).sort(), ['ayman', 'zawahiri']);
  });

  test('when the birth date is the year only, swapped day and month, or another year, then the score moves accordingly', () => {
    const nameOnly = score({ names: ['Ayman Zawahiri'] })!.score;
    const factor = (dateOfBirth: string) => score({ names: ['Ayman Zawahiri'], dateOfBirth })!.explanation.adjustments[0]!.factor;
    assert.equal(factor('1951'), 'dob_year');
    assert.equal(factor('1951-06-19'), 'dob_exact');
    assert.equal(factor('1951-06-20'), 'dob_same_year_other_day');
    assert.equal(factor('1952-06-19'), 'dob_one_year_apart');
    assert.equal(factor('1980-01-01'), 'dob_mismatch');
    const swapped = score({ names: ['Ayman Zawahiri'] }, { ...zawahiri, birthDates: [{ date: '1951-06-09' }] });
    assert.ok(swapped);
    assert.equal(score({ names: ['Ayman Zawahiri'], dateOfBirth: '1951-09-06' }, { ...zawahiri, birthDates: [{ date: '1951-06-09' }] })!.explanation.adjustments[0]!.factor, 'dob_day_month_swapped');
    assert.ok(score({ names: ['Ayman Zawahiri'], dateOfBirth: '1980-01-01' })!.score < nameOnly - 0.2);
    assert.equal(score({ names: ['Ayman Zawahiri'], dateOfBirth: '1949' }, { ...zawahiri, birthDates: [{ from: '1948', to: '1950' }] })!.explanation.adjustments[0]!.factor, 'dob_in_range');
  });

  test('when country or gender contradict the entry, then the score drops below the match threshold', () => {
    const contradicted = score({ names: ['Ayman Zawahiri'], dateOfBirth: '1980', countries: ['GB'], gender: 'female' });
    assert.ok(contradicted);
    assert.deepEqual(contradicted.explanation.adjustments.map((a) => a.factor), ['dob_mismatch', 'country_mismatch', 'gender_mismatch']);
    assert.ok(contradicted.score < 0.6);
  });

  test('when only a weak alias matches, then it counts less and does not reach a match on its own', () => {
    const weak = score({ names: ['Abu Fatima'] });
    assert.ok(weak);
    assert.equal(weak.explanation.name.quality, 'weak');
    assert.equal(weak.explanation.adjustments[0]!.factor, 'weak_alias');
    assert.ok(weak.score < 0.8);
    const strong = score({ names: ['Ahmad Fuad Salim'] });
    assert.equal(strong!.score, 1);
  });

  test('when nothing in the name is alike, then the entry is not scored at all', () => {
    assert.equal(score({ names: ['Kagiso Molefe'], dateOfBirth: '1951-06-19', countries: ['EG'] }), null);
  });
});
