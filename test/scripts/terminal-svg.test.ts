import xterm from '@xterm/headless';
import {describe, expect, it} from 'vitest';
import {PALETTE, contentRange, escapeXml, terminalToSvg} from '../../scripts/terminal-svg';

async function terminalWith(ansi: string, {cols = 40, rows = 10} = {}) {
	const terminal = new xterm.Terminal({cols, rows, allowProposedApi: true, scrollback: 100});
	await new Promise<void>(resolve => terminal.write(ansi, resolve));
	return terminal;
}

/** Checks that every tag is closed in order and that no bare `<` or `&` is left in text or attributes. */
function assertWellFormed(svg: string) {
	const stack: string[] = [];
	let index = 0;
	while (index < svg.length) {
		const open = svg.indexOf('<', index);
		const text = svg.slice(index, open === -1 ? svg.length : open);
		expect(text.replace(/&(amp|lt|gt|quot|#\d+);/g, '')).not.toContain('&');
		if (open === -1) break;
		const close = svg.indexOf('>', open);
		expect(close).toBeGreaterThan(open);
		const tag = svg.slice(open + 1, close);
		expect(tag).not.toContain('<');
		const name = tag.replace(/^\//, '').split(/[\s/]/)[0];
		if (tag.startsWith('/')) expect(stack.pop()).toBe(name);
		else if (!tag.endsWith('/')) stack.push(name!);
		const attributes = tag
			.replace(/^\/?[\w:-]+/, '')
			.replace(/\/$/, '')
			.trim();
		expect(attributes).toMatch(/^([\w:-]+="[^"<]*"\s*)*$/);
		index = close + 1;
	}
	expect(stack).toEqual([]);
}

describe('terminalToSvg', () => {
	it('draws colours, bold, inverse and 256/RGB colours as merged runs', async () => {
		const terminal = await terminalWith(
			'\x1b[32m✔\x1b[0m \x1b[1mAccount\x1b[0m \x1b[90m78 ms\x1b[0m\r\n' +
				'\x1b[7m PROD \x1b[0m \x1b[1;31mfailed\x1b[0m\r\n' +
				'\x1b[38;5;208morange\x1b[0m \x1b[38;2;1;2;3mrgb\x1b[0m \x1b[48;5;21m  \x1b[0m',
		);
		const svg = terminalToSvg(terminal, {title: 'convox-ami'});
		assertWellFormed(svg);
		expect(svg).toContain(`<tspan x="0" textLength="8.4" fill="${PALETTE[2]}">✔</tspan>`);
		expect(svg).toContain('<tspan x="16.8" textLength="58.8" font-weight="bold">Account</tspan>');
		expect(svg).toContain(`<tspan x="84" textLength="42" fill="#7f7f7f">78 ms</tspan>`);
		// inverse: the default background becomes the text colour on a light cell background
		expect(svg).toContain('<rect x="0" y="18" width="50.4" height="18" fill="#e5e5e5"/>');
		expect(svg).toContain('<tspan x="8.4" textLength="33.6" fill="#1e1e1e">PROD</tspan>');
		// bold red is drawn bright red, as xterm.js does
		expect(svg).toContain(`fill="${PALETTE[9]}" font-weight="bold">failed</tspan>`);
		expect(svg).toContain(`fill="${PALETTE[208]}">orange</tspan>`);
		expect(PALETTE[208]).toBe('#ff8700');
		expect(svg).toContain('fill="#010203">rgb</tspan>');
		expect(svg).toContain(`<rect x="92.4" y="36" width="16.8" height="18" fill="${PALETTE[21]}"/>`);
		expect(svg.match(/<text y=/g)).toHaveLength(3);
	});

	it('escapes XML and keeps wide characters and box drawing on the grid', async () => {
		const terminal = await terminalWith('╭──╮ a<b & "c"\r\n│日本│ ok\r\n╰──╯\r\n\r\n\r\n');
		const svg = terminalToSvg(terminal, {title: 'a <b> & c'});
		assertWellFormed(svg);
		expect(svg).toContain('<title>a &lt;b&gt; &amp; c</title>');
		expect(svg).toContain('<tspan x="0" textLength="117.6">╭──╮ a&lt;b &amp; &quot;c&quot;</tspan>');
		expect(svg).toContain(
			'<tspan x="0" textLength="8.4">│</tspan><tspan x="8.4" textLength="16.8">日</tspan><tspan x="25.2" textLength="16.8">本</tspan>',
		);
		expect(svg).toContain('<tspan x="42" textLength="33.6">│ ok</tspan>');
		expect(contentRange(terminal)).toEqual({start: 0, end: 3});
		expect(svg).toContain('height="110"');
	});

	it('trims blank lines around the content and drops characters XML cannot hold', async () => {
		const terminal = await terminalWith('\r\n\r\n  indented\r\n');
		expect(contentRange(terminal)).toEqual({start: 2, end: 3});
		const svg = terminalToSvg(terminal, {title: 'x'});
		expect(svg).toContain('<text y="14"><tspan x="16.8" textLength="67.2">indented</tspan></text>');
		expect(escapeXml('a\u0001b\uD800c')).toBe('abc');
	});
});
