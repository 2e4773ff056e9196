import { excerpt, renderArticleHtml } from '../../shared/core/content';

const BASE = 'https://baohatinh.vn/xay-dung-dang/bai-viet.html';

describe('renderArticleHtml', () => {
  it('renders CommonMark: headings, emphasis, lists, tables of raw HTML, code', () => {
    const html = renderArticleHtml('## Mục\n\n*nghiêng* **đậm**\n\n- một\n- hai\n\n```js\nx < 1\n```', BASE);
    expect(html).toContain('<h2>Mục</h2>');
    expect(html).toContain('<em>nghiêng</em> <strong>đậm</strong>');
    expect(html).toContain('<li>một</li>');
    expect(html).toContain('<pre><code class="language-js">x &lt; 1\n</code></pre>');
  });

  it.each([
    ['<script>alert(1)</script>', ['<script', 'alert(1)']],
    ['<style>body{}</style>', ['<style', 'body{}']],
    ['<img src="a.jpg" onerror="alert(1)">', ['onerror', 'alert']],
    ['<p onclick="alert(1)" onmouseover="x()">p</p>', ['onclick', 'onmouseover']],
    ['<a href="javascript:alert(1)">x</a>', ['javascript:']],
    ['<a href="JaVaScRiPt:alert(1)">x</a>', ['alert']],
    ['<a href="jav&#x09;ascript:alert(1)">x</a>', ['alert']],
    ['<a href=" javascript:alert(1)">x</a>', ['alert']],
    ['[x](javascript:alert(1))', ['<a', 'href']],
    ['<a href="vbscript:msgbox(1)">x</a>', ['vbscript']],
    ['<a href="data:text/html,<script>alert(1)</script>">x</a>', ['data:', 'alert']],
    ['<img src="data:image/svg+xml;base64,PHN2Zz4=">', ['data:']],
    ['<iframe src="https://evil.example/"></iframe>', ['<iframe', 'evil']],
    ['<meta http-equiv="refresh" content="0;url=https://evil.example/">', ['<meta', 'refresh']],
    ['<object data="x.swf"></object><embed src="x.swf">', ['<object', '<embed']],
    ['<form action="https://evil.example/"><input name="p"></form>', ['<form', '<input']],
    ['<svg onload="alert(1)"><circle r="1"/></svg>', ['<svg', 'onload']],
    ['<base href="https://evil.example/">', ['<base', 'evil']],
    ['<link rel="stylesheet" href="https://evil.example/x.css">', ['<link', 'evil']],
    ['<p style="background:url(javascript:alert(1))">x</p>', ['style=', 'javascript']],
    ['<math><mi xlink:href="javascript:alert(1)">x</mi></math>', ['javascript', 'xlink']],
  ])('removes what could run or phone home: %s', (input, forbidden) => {
    const html = renderArticleHtml(`Đoạn văn.\n\n${input}\n\nHết.`, BASE);
    for (const text of forbidden) expect(html.toLowerCase()).not.toContain(text.toLowerCase());
    expect(html).toContain('Đoạn văn.');
    expect(html).toContain('Hết.');
  });

  it.each([
    ['[a](khac.html)', 'href="https://baohatinh.vn/xay-dung-dang/khac.html"'],
    ['[a](../thoi-su/b.html)', 'href="https://baohatinh.vn/thoi-su/b.html"'],
    ['[a](/gioi-thieu)', 'href="https://baohatinh.vn/gioi-thieu"'],
    ['[a](//cdn.baohatinh.vn/x)', 'href="https://cdn.baohatinh.vn/x"'],
    ['[a](?trang=2)', 'href="https://baohatinh.vn/xay-dung-dang/bai-viet.html?trang=2"'],
    ['![ảnh](anh/1.jpg)', 'src="https://baohatinh.vn/xay-dung-dang/anh/1.jpg"'],
    ['<img src="/anh/2.png" alt="x">', 'src="https://baohatinh.vn/anh/2.png"'],
    ['<blockquote cite="/nguon">q</blockquote>', 'cite="https://baohatinh.vn/nguon"'],
    ['[mail](mailto:toasoan@baohatinh.vn)', 'href="mailto:toasoan@baohatinh.vn"'],
    ['[a](#muc-2)', 'href="https://baohatinh.vn/xay-dung-dang/bai-viet.html#muc-2"'],
    ['[a](https://other.vn/x)', 'href="https://other.vn/x"'],
  ])('makes links and images absolute against the article: %s', (markdown, expected) => {
    expect(renderArticleHtml(markdown, BASE)).toContain(expected);
  });

  it('keeps figures, captions and tables editors paste as HTML', () => {
    const html = renderArticleHtml(
      '<figure><img src="a.jpg" alt="Ảnh"><figcaption>Chú thích</figcaption></figure>\n\n<table><tr><td colspan="2">Ô</td></tr></table>',
      BASE,
    );
    expect(html).toContain(
      '<figure><img src="https://baohatinh.vn/xay-dung-dang/a.jpg" alt="Ảnh" /><figcaption>Chú thích</figcaption></figure>',
    );
    expect(html).toContain('<td colspan="2">Ô</td>');
  });

  it('gives an empty string for an empty body', () => {
    expect(renderArticleHtml('  \n\n', BASE)).toBe('');
  });
});

describe('excerpt', () => {
  it('takes plain text from the Markdown, without markup or raw HTML', () => {
    expect(excerpt('# Tiêu đề\n\n**Đậm** [liên kết](x) `mã` <b>thô</b>\ndòng hai')).toBe(
      'Tiêu đề Đậm liên kết mã thô dòng hai',
    );
  });

  it('cuts long text at a word boundary and marks the cut', () => {
    const text = excerpt('từ '.repeat(200), 50);
    expect(text.length).toBeLessThanOrEqual(51);
    expect(text.endsWith('từ…')).toBe(true);
  });

  it('is empty for an empty body', () => {
    expect(excerpt('')).toBe('');
  });
});

describe('tags the W3C feed validator objects to', () => {
  it.each(['bdo', 'rb', 'rtc'])('drops <%s> but keeps its text', (tag) => {
    const html = renderArticleHtml(`<p><${tag}>chữ</${tag}></p>`, BASE);
    expect(html).toBe('<p>chữ</p>');
  });
});
