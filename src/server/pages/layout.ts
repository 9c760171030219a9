import { html, type SafeHtml } from './html.js';

export interface LayoutOptions {
  /** The document title (also read first by screen readers). */
  title: string;
  /** Path prefix of the public URL ('' at the root), so assets resolve behind a proxy path. */
  basePath: string;
  main: SafeHtml;
}

/**
 * The page frame: one stylesheet and one deferred script from /connect/assets (nothing inline, nothing
 * external), a short header naming the product, the main landmark and a footer.
 */
export function layout({ title, basePath, main }: LayoutOptions): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · Skybridge</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${basePath}/connect/assets/styles.css">
<script src="${basePath}/connect/assets/install.js" defer></script>
</head>
<body>
<header class="site-header">
<span class="brand">Skybridge</span>
<span class="tagline">Connect your AWS account</span>
</header>
<main id="main">
${main}
</main>
<footer class="site-footer">
<p>Skybridge never asks for your AWS password or access keys. The app gets access only through the role you create, and you can remove it at any time by deleting the stack.</p>
</footer>
</body>
</html>
`;
}
