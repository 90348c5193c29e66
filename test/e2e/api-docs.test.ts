// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { api, startTestSystem, type TestSystem } from '../support/system';

// The OpenAPI document and Swagger UI: generated from the endpoint declarations, served from the
// swagger-ui-dist package, nothing loaded from elsewhere.

interface Operation {
  operationId: string;
  security: unknown[];
  'x-roles'?: string[];
  responses: Record<string, { content?: Record<string, unknown> }>;
  requestBody?: { content: Record<string, { schema: unknown }> };
}

describe('OpenAPI document and Swagger UI', () => {
  let system: TestSystem;
  before(async () => {
    system = await startTestSystem({}, { worker: false });
  });
  after(async () => {
    await system?.stop();
  });

  test('when /openapi.json is fetched, then it is OpenAPI 3.1 naming, for every operation, its id, its roles or why it is public, and its problems', async () => {
    const response = await api(system, 'GET', '/openapi.json');
    assert.equal(response.status, 200);
    const document = response.json as { openapi: string; info: { version: string }; paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, unknown> } };
    assert.equal(document.openapi, '3.1.0');
    const version = (JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
    assert.equal(document.info.version, version);
    assert.ok(document.components.securitySchemes.bearerAuth);

    const operations = Object.values(document.paths).flatMap((methods) => Object.values(methods));
    const ids = operations.map((o) => o.operationId);
    assert.equal(new Set(ids).size, ids.length, 'operation ids are unique');
    for (const operation of operations) {
      if (operation.security.length === 0) assert.equal(operation['x-roles'], undefined, operation.operationId);
      else assert.ok(operation['x-roles']?.length, `${operation.operationId} names its roles`);
      assert.ok(operation.responses.default?.content?.['application/problem+json'], `${operation.operationId} documents problem details`);
    }
    const start = document.paths['/api/kyc/records/start_verification/']!.post!;
    assert.deepEqual(Object.keys(start.responses).sort(), ['200', '201', '400', '401', '403', '409', '413', '415', '422', '429', '503', 'default']);
    assert.ok(start.requestBody?.content['application/json']?.schema);
  });

  test('when /docs is opened, then Swagger UI is served from the package with a strict content security policy, pointed at /openapi.json', async () => {
    const redirect = await fetch(`${system.apiUrl}/docs`, { redirect: 'manual' });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get('location'), '/docs/');

    const page = await fetch(`${system.apiUrl}/docs/`);
    const html = await page.text();
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.doesNotMatch(html, /(src|href)="https?:/, 'nothing from a CDN');

    const initializer = await (await fetch(`${system.apiUrl}/docs/swagger-initializer.js`)).text();
    assert.match(initializer, /url: '\/openapi\.json'/);
    assert.doesNotMatch(initializer, /petstore/);
    const bundle = await fetch(`${system.apiUrl}/docs/swagger-ui-bundle.js`);
    assert.equal(bundle.status, 200);
    assert.match(bundle.headers.get('content-type') ?? '', /javascript/);
  });
});
