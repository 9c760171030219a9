/** The console pages' shell: one self-contained HTML document, no external assets, readable on a phone. */
import { xmlEscape } from '../protocol.js';

/** Escapes text for HTML content and attribute values. */
export const escapeHtml = xmlEscape;

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#16191f;background:#f2f3f3}
header{background:#232f3e;color:#fff;padding:.75rem 1rem}
header strong{font-size:1.05rem}
.notice{background:#fff7e6;border-bottom:1px solid #e5b95c;padding:.6rem 1rem;font-size:.95rem}
main{max-width:52rem;margin:0 auto;padding:1rem}
section{background:#fff;border:1px solid #d5dbdb;border-radius:8px;padding:1rem;margin:0 0 1rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
h2{font-size:1.1rem;margin:0 0 .75rem}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input[type=text],select{width:100%;padding:.55rem;font-size:1rem;border:1px solid #879596;border-radius:4px}
.hint{color:#545b64;font-size:.9rem;margin:.2rem 0 0}
pre{background:#f8f8f8;border:1px solid #eaeded;border-radius:4px;padding:.75rem;overflow:auto;max-height:24rem;font-size:.85rem;white-space:pre-wrap;word-break:break-word}
.check{display:flex;gap:.6rem;align-items:flex-start;font-weight:400}
.check input{margin-top:.3rem;width:1.2rem;height:1.2rem}
button{background:#b8560a;color:#fff;border:0;border-radius:4px;padding:.7rem 1.4rem;font-size:1rem;font-weight:700;cursor:pointer}
a{color:#0b57d0}
:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}
.section-gap{margin-top:1rem}
.next{margin:.5rem 0 0;color:#16191f}
.error{background:#fdf3f1;border:1px solid #d13212;color:#7d1a06;border-radius:6px;padding:.75rem;margin:0 0 1rem;word-break:break-word}
.success{background:#f2f8f0;border:1px solid #1d8102;border-radius:6px;padding:.75rem;margin:0 0 1rem}
dl{display:grid;grid-template-columns:minmax(7rem,auto) 1fr;gap:.4rem 1rem;margin:0}
dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
@media (max-width:30rem){dl{grid-template-columns:1fr;gap:.1rem}dd{margin-bottom:.5rem}}
table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:.4rem;border-bottom:1px solid #eaeded;overflow-wrap:anywhere}
`;

export function renderPage(title: string, content: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Skybridge sandbox</title>
<style>${STYLE}</style>
</head>
<body>
<header><strong>Skybridge sandbox</strong> · CloudFormation console</header>
<div class="notice" role="note">This is the <strong>Skybridge sandbox</strong>, a local AWS emulator for tests and demos. It is not AWS: nothing here touches a real AWS account.</div>
<main>
${content}
</main>
</body>
</html>
`;
}

export const HTML_CONTENT_TYPE = 'text/html; charset=utf-8';
