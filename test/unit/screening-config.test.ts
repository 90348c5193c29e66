// needs: nothing
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../domain/config';

describe('screening configuration', () => {
  test('when nothing is set, then the bundled lists are screened with the default threshold and review on a hit', () => {
    const config = loadConfig({});
    assert.equal(config.SCREENING_MATCH_THRESHOLD, 0.8);
    assert.deepEqual(config.SCREENING_SOURCES, []);
    assert.equal(config.SCREENING_FULL_RESCREEN_DAYS, 30);
    assert.equal(config.SCREENING_HIT_ACTION, 'review');
  });

  test('when sources are configured, then each names a known list and where to fetch it', () => {
    const config = loadConfig({ SCREENING_SOURCES: 'ofac-sdn=https://lists.example/ofac/, un-sc=/srv/lists/consolidated.xml', SCREENING_HIT_ACTION: 'restrict' });
    assert.deepEqual(config.SCREENING_SOURCES, [
      { source: 'ofac-sdn', location: 'https://lists.example/ofac/' },
      { source: 'un-sc', location: '/srv/lists/consolidated.xml' },
    ]);
    assert.equal(config.SCREENING_HIT_ACTION, 'restrict');
  });

  test('when a setting is out of its rules, then the error names the variable', () => {
    assert.throws(() => loadConfig({ SCREENING_SOURCES: 'eu-fsf=/x.xml' }), (err: Error) => err instanceof ConfigError && /SCREENING_SOURCES: "eu-fsf=\/x\.xml" must look like source=url-or-path/.test(err.message));
    assert.throws(() => loadConfig({ SCREENING_MATCH_THRESHOLD: '1.5' }), /SCREENING_MATCH_THRESHOLD/);
    assert.throws(() => loadConfig({ SCREENING_FULL_RESCREEN_DAYS: '0' }), /SCREENING_FULL_RESCREEN_DAYS/);
    assert.throws(() => loadConfig({ SCREENING_HIT_ACTION: 'block' }), /SCREENING_HIT_ACTION/);
  });
});
