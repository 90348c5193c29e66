// needs: nothing
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkDigit, idCardMrz, passportMrz, type MrzHolder } from '../../document-check/mrz-compose';
import { cleanMrzText, fitLineLength, parseMrzLines } from '../../document-check/mrz-reader';
import { nameSimilarity, typedNameSimilarity, zoneFieldSimilarity } from '../../document-check/names';

const TODAY = new Date('2026-03-01T12:00:00Z');

const holder: MrzHolder = {
  surname: 'Kowalczyk',
  givenNames: 'Ingrid Maeve',
  documentNumber: 'BX8402197',
  issuingState: 'NLD',
  nationality: 'NLD',
  dateOfBirth: '1984-11-17',
  sex: 'F',
  dateOfExpiry: '2031-06-30',
};

describe('machine-readable zone', () => {
  test('when check digits are computed, then they follow ICAO 9303 (weights 7-3-1, letters from 10)', () => {
    // The ICAO specimen's document number and dates.
    assert.equal(checkDigit('L898902C3'), '6');
    assert.equal(checkDigit('740812'), '2');
    assert.equal(checkDigit('120415'), '9');
    assert.equal(checkDigit('<<<<<<<<<<<<<<'), '0');
  });

  test('when a passport zone (TD3) is written and parsed back, then every field and check digit is valid', () => {
    const lines = passportMrz(holder);
    assert.deepEqual(lines.map((line) => line.length), [44, 44]);
    const reading = parseMrzLines(lines, lines, TODAY);
    assert.ok(reading);
    assert.equal(reading.format, 'TD3');
    assert.equal(reading.valid, true, JSON.stringify(reading.invalidFields));
    assert.equal(reading.fields.surname, 'KOWALCZYK');
    assert.equal(reading.fields.givenNames, 'INGRID MAEVE');
    assert.equal(reading.fields.documentNumber, 'BX8402197');
    assert.equal(reading.fields.dateOfBirth, '1984-11-17');
    assert.equal(reading.fields.dateOfExpiry, '2031-06-30');
    assert.equal(reading.fields.nationality, 'NLD');
    assert.equal(reading.fields.sex, 'F');
  });

  test('when an identity card zone (TD1) is written and parsed back, then it is valid, Germany written "D"', () => {
    const lines = idCardMrz({ ...holder, issuingState: 'D', nationality: 'D' });
    assert.deepEqual(lines.map((line) => line.length), [30, 30, 30]);
    const reading = parseMrzLines(lines, lines, TODAY);
    assert.ok(reading);
    assert.equal(reading.format, 'TD1');
    assert.equal(reading.valid, true, JSON.stringify(reading.invalidFields));
    assert.equal(reading.fields.nationality, 'D');
    assert.equal(reading.fields.documentNumber, 'BX8402197');
  });

  test('when a birth-date digit is changed, then its check digit and the composite fail', () => {
    const [line1, line2] = passportMrz(holder);
    const altered = `${line2.slice(0, 13)}94${line2.slice(15)}`;
    const reading = parseMrzLines([line1, altered], [line1, altered], TODAY);
    assert.ok(reading);
    assert.equal(reading.valid, false);
    const invalid = reading.invalidFields.map((entry) => entry.field);
    assert.ok(invalid.includes('birthDateCheckDigit'), invalid.join());
    assert.ok(invalid.includes('compositeCheckDigit'), invalid.join());
    assert.ok(reading.invalidFields.every((entry) => !entry.misread), 'well-formed digits: an alteration');
    // The same digits inferred by likeness rather than read: a misreading.
    const guessed = parseMrzLines([line1, altered], [line1, altered], TODAY, null, new Set(['1:13']));
    assert.ok(guessed?.invalidFields.some((entry) => entry.field === 'birthDateCheckDigit' && entry.misread));
  });

  test('when OCR reads a digit of the document number as a letter, then the check digit picks the right one', () => {
    const [line1, line2] = passportMrz(holder);
    const misread = `${line2.slice(0, 2)}B${line2.slice(3)}`;
    const reading = parseMrzLines([line1, misread], [line1, misread], TODAY);
    assert.ok(reading);
    assert.equal(reading.fields.documentNumber, 'BX8402197');
    assert.equal(reading.valid, true);
  });

  test('when OCR misreads a letter of the document number as another letter, then the visual zone\'s reading settles it', () => {
    const [line1, line2] = passportMrz(holder);
    const misread = `B${'E'}${line2.slice(2)}`;
    const unrepaired = parseMrzLines([line1, misread], [line1, misread], TODAY);
    assert.equal(unrepaired?.valid, false);
    const repaired = parseMrzLines([line1, misread], [line1, misread], TODAY, 'BX8402197');
    assert.equal(repaired?.fields.documentNumber, 'BX8402197');
    assert.equal(repaired?.valid, true);
    // A printed number that does not pass the check digit repairs nothing.
    assert.equal(parseMrzLines([line1, misread], [line1, misread], TODAY, 'BX8402198')?.valid, false);
  });

  test('when OCR puts letters where the zone has digits (T for 7, L for 1), then the digits are restored', () => {
    const [line1, line2] = passportMrz(holder);
    // Birth date 841117 at 13-18: its "1" at 15 and "7" at 18.
    assert.equal(line2.slice(13, 19), '841117');
    const misread = `${line2.slice(0, 15)}L${line2.slice(16, 18)}T${line2.slice(19)}`;
    const reading = parseMrzLines([line1, misread], [line1, misread], TODAY);
    assert.equal(reading?.valid, true, JSON.stringify(reading?.invalidFields));
    assert.equal(reading?.lines[1], line2);
  });

  test('when lines are not a zone, then nothing is parsed', () => {
    assert.equal(parseMrzLines(['HELLO'], ['HELLO'], TODAY), null);
  });

  test('when filler is read as K and L, then text cleaning restores it but keeps names that hold K and L', () => {
    assert.equal(cleanMrzText('P<NLDKOWALCZYK<K<INGRID<KLKLLLLKL'), 'P<NLDKOWALCZYK<<<INGRID<<<<<<<<<<');
    assert.equal(cleanMrzText('SMITH<<KLAUS<LKLL'), 'SMITH<<KLAUS<<<<<');
    assert.equal(cleanMrzText(' p<nld kowalczyk«ingrid '), 'P<NLDKOWALCZYK<<INGRID');
  });

  test('when a line is a few characters off, then the longest filler run absorbs the difference', () => {
    assert.equal(fitLineLength('AB<<<<CD', 10), 'AB<<<<<<CD');
    assert.equal(fitLineLength('AB<<<<<<<CD', 8), 'AB<<<<CD');
    assert.equal(fitLineLength('ABCD', 6), 'ABCD<<');
  });
});

describe('name comparison', () => {
  const document = { surname: 'DELACROIX YOUNG', givenNames: 'RAVI PRIYA' };

  test('when the typed name differs only in case, order, accents and hyphens, then it matches', () => {
    assert.equal(nameSimilarity('Ravi Priya Delacroix-Young', document), 1);
    assert.equal(nameSimilarity('DELACROIX-YOUNG, Rávi Priya', document), 1);
  });

  test('when a middle name is left out, then it still matches; when the surname is another, then it does not', () => {
    assert.ok(nameSimilarity('Ravi Delacroix-Young', document) >= 0.88);
    assert.ok(nameSimilarity('Ravi Priya Moreau', document) < 0.5);
  });

  test('when one letter is mistyped, then the name is close but not equal', () => {
    const similarity = nameSimilarity('Ravi Priya Delacroix-Yuong', document);
    assert.ok(similarity < 1 && similarity > 0.7, String(similarity));
  });

  test('when the zone cut a long name short, then the typed full name matches its beginning', () => {
    assert.equal(nameSimilarity('Bartholomew Featherstonehaugh', { surname: 'FEATHERSTONEHAUGH', givenNames: 'BARTHOLO', truncated: true }), 1);
    assert.ok(nameSimilarity('Bartholomew Featherstonehaugh', { surname: 'FEATHERSTONEHAUGH', givenNames: 'BARTHOLO' }) < 1);
  });
});

describe('name comparison of what OCR read', () => {
  test('when a letter was read as its look-alike (O as Q), then the name still matches; another letter does not', () => {
    assert.ok(nameSimilarity('Mateo Haddad', { surname: 'HADDAD', givenNames: 'MATEQ' }) >= 0.88);
    assert.ok(nameSimilarity('Mateo Haddad', { surname: 'HADDAD', givenNames: 'MATEW' }) < 0.88);
  });
});

describe('name comparison against the zone as read', () => {
  test('when separators were read as K and L, then the field still matches the name it spells', () => {
    assert.ok(zoneFieldSimilarity('TANAKALLRAVIKL<<<<<<<<<<<<<<<<', { surname: 'Tanaka', givenNames: 'Ravi' }) >= 0.88);
    assert.ok(typedNameSimilarity('TANAKALLRAVIKL<<<<<<<<<<<<<<<<', 'Ravi Tanaka') >= 0.88);
    assert.ok(typedNameSimilarity('TANAKA<<RAVI<<<<<<<<<<<<<<<<<<', 'TANAKA Ravi') >= 0.88, 'surname first');
  });

  test('when the field holds another surname, then it does not match', () => {
    assert.ok(zoneFieldSimilarity('FERREIRA<<LEILA<<<<<<<<<<<<<<<', { surname: 'Lindqvist', givenNames: 'Leila' }) < 0.7);
    assert.ok(typedNameSimilarity('FERREIRA<<LEILA<<<<<<<<<<<<<<<', 'Leila Lindqvist') < 0.7);
  });
});
