import path from 'node:path';
import express, { Router } from 'express';
import { z } from 'zod';
import { type ApiRegistry, type ApiRouter, type OpenApiInfo } from '../openapi';

// The OpenAPI document, generated from the endpoint declarations, and Swagger UI to read and try
// it, served from the swagger-ui-dist package (no CDN: the service works air-gapped).

const SWAGGER_UI_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));

// Replaces the package's initializer, which points at the petstore example.
const INITIALIZER = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: 'StandaloneLayout',
    // The default badge asks validator.swagger.io to judge the document: no third-party calls.
    validatorUrl: null,
  });
};
`;

// Swagger UI styles elements inline and shows data: images; nothing else leaves 'self'.
const DOCS_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

export function openApiRoute(api: ApiRouter, registry: ApiRegistry, info: OpenApiInfo, tagOrder: readonly string[]): void {
  let document: Record<string, unknown> | undefined;
  api.route(
    {
      method: 'get',
      path: '/openapi.json',
      operationId: 'openApiDocument',
      summary: 'This document (OpenAPI 3.1)',
      tags: ['Docs'],
      access: { public: 'the API description is public; every endpoint still checks its caller' },
      responses: { 200: { description: 'The OpenAPI document', schema: z.record(z.string(), z.unknown()) } },
    },
    // Built on first use: every router has declared its endpoints by then.
    async () => ({ status: 200, body: (document ??= registry.document(info, tagOrder)) }),
  );
}

export function swaggerUiRouter(): Router {
  const router = Router();
  router.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', DOCS_CSP);
    next();
  });
  // Relative asset URLs in index.html need the trailing slash.
  router.get('/', (req, res, next) => (req.originalUrl.split('?')[0]!.endsWith('/') ? next() : res.redirect(301, '/docs/')));
  router.get('/swagger-initializer.js', (_req, res) => {
    res.type('application/javascript').send(INITIALIZER);
  });
  router.use(express.static(SWAGGER_UI_DIR, { index: 'index.html', fallthrough: true }));
  return router;
}
