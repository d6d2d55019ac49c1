// The reference page at /docs: Swagger UI from the pinned swagger-ui-dist package, served by
// this server (nothing from another host), started by a script file because the page's CSP
// allows no inline script.
import path from 'node:path';
import { createRequire } from 'node:module';

export const docsAssetsPath = '/docs/assets';

/** The swagger-ui-dist folder in node_modules. */
export const swaggerUiDir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** The only files of swagger-ui-dist the page uses (the package also holds an initializer pointing at the petstore). */
export const swaggerUiFiles = ['swagger-ui-bundle.js', 'swagger-ui.css', 'favicon-32x32.png', 'favicon-16x16.png'] as const;

export const docsPageHtml = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>longrun REST API</title>
  <link rel="icon" type="image/png" href="${docsAssetsPath}/favicon-32x32.png" sizes="32x32">
  <link rel="stylesheet" href="${docsAssetsPath}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${docsAssetsPath}/swagger-ui-bundle.js"></script>
  <script src="/docs/start.js"></script>
</body>
</html>
`;

// validatorUrl null: no badge fetched from validator.swagger.io. BaseLayout: no top bar (its
// URL field would invite loading documents from elsewhere).
export const docsStartScript = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  validatorUrl: null,
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
  defaultModelsExpandDepth: 0,
});
`;
