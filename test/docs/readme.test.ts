import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs';
import {dirname, join, relative} from 'node:path';
import ts from 'typescript';
import {describe, expect, it} from 'vitest';

const root = new URL('../..', import.meta.url).pathname;
const read = (file: string) => readFileSync(join(root, file), 'utf8');
const pages = [
	'README.md',
	...readdirSync(join(root, 'docs'))
		.filter(name => name.endsWith('.md'))
		.map(name => `docs/${name}`),
];

/** Markdown outside fenced blocks and code spans: what GitHub reads links and headings from. */
function prose(text: string): string[] {
	let fence = false;
	return text.split('\n').flatMap(line => {
		if (/^\s*(```|~~~)/.test(line)) {
			fence = !fence;
			return [];
		}
		return fence ? [] : [line.replace(/(`+)[\s\S]*?\1/g, '')];
	});
}

/** GitHub's anchors of a page's headings: lowercase, punctuation dropped, each space a `-`, repeats numbered. */
function anchors(text: string): Set<string> {
	const seen = new Map<string, number>();
	const result = new Set<string>();
	let fence = false;
	for (const line of text.split('\n')) {
		if (/^\s*(```|~~~)/.test(line)) fence = !fence;
		const heading = fence ? undefined : /^#{1,6} (.*)$/.exec(line)?.[1];
		if (heading === undefined) continue;
		const slug = heading
			.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
			.trim()
			.toLowerCase()
			.replace(/[^\p{L}\p{N}\s_-]/gu, '')
			.replace(/ /g, '-');
		const count = seen.get(slug) ?? 0;
		seen.set(slug, count + 1);
		result.add(count === 0 ? slug : `${slug}-${count}`);
	}
	return result;
}

/** The relative links and images of a page: `[text](target)` and `![alt](target)`. */
function relativeLinks(text: string): string[] {
	return prose(text)
		.flatMap(line => [...line.matchAll(/\]\(<?([^)\s>]+)>?(?:\s+"[^"]*")?\)/g)].map(match => match[1] ?? ''))
		.filter(target => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

/** The `type` of every member of a union type alias, from the compiler's own reading of the file. */
function eventTypes(file: string, alias: string): string[] {
	const path = join(root, file);
	// Only the file itself: the `type` literals are declared there, and resolving the imports (the AWS SDK) takes seconds.
	const program = ts.createProgram([path], {noResolve: true, noLib: true, noEmit: true, strict: true});
	const checker = program.getTypeChecker();
	const declaration = program
		.getSourceFile(path)
		?.statements.find(
			(statement): statement is ts.TypeAliasDeclaration => ts.isTypeAliasDeclaration(statement) && statement.name.text === alias,
		);
	if (!declaration) throw new Error(`${file} declares no type ${alias}`);
	const type = checker.getTypeAtLocation(declaration.name);
	const members = type.isUnion() ? type.types : [type];
	const types = members.map(member => {
		const property = checker.getPropertyOfType(member, 'type');
		const literal = property && checker.getTypeOfSymbol(property);
		if (!literal?.isStringLiteral())
			throw new Error(`a member of ${alias} in ${file} has no string literal "type": ${checker.typeToString(member)}`);
		return literal.value;
	});
	return [...new Set(types)].sort();
}

/** The first column of the tables under a `## heading` of docs/events.md. */
function documentedTypes(heading: string): string[] {
	const text = read('docs/events.md');
	const start = text.indexOf(`\n## ${heading}\n`);
	if (start < 0) throw new Error(`docs/events.md has no section "${heading}"`);
	const end = text.indexOf('\n## ', start + 1);
	const section = text.slice(start, end < 0 ? undefined : end);
	return [...section.matchAll(/^\| `([^`]+)` \|/gm)].map(match => match[1] ?? '').sort();
}

describe('the README', () => {
	const readme = read('README.md');

	it('is at most 15 KB (15,360 bytes)', () => {
		expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(15_360);
	});

	it('shows the install-and-rehearse command and the test command within its first 40 lines', () => {
		const top = readme.split('\n').slice(0, 40).join('\n');
		expect(top).toContain('npm install && npx convox-ami --rehearse');
		expect(top).toContain('npm test');
	});

	it('shows a recorded screen that exists', () => {
		const screens = relativeLinks(readme).filter(target => /^docs\/screens\/.+\.svg$/.test(target));
		expect(screens.length).toBeGreaterThan(0);
	});
});

describe('the links of README.md and docs/*.md', () => {
	it.each(pages)('%s: every relative link reaches a file, and its #anchor a heading there', page => {
		const broken: string[] = [];
		const links = relativeLinks(read(page));
		for (const link of links) {
			const [pathPart = '', anchor] = link.split('#', 2);
			const target = pathPart === '' ? page : relative(root, join(root, dirname(page), decodeURI(pathPart)));
			if (!existsSync(join(root, target))) {
				broken.push(`${link}: no file ${target}`);
				continue;
			}
			if (anchor === undefined) continue;
			if (!statSync(join(root, target)).isFile() || !target.endsWith('.md')) {
				broken.push(`${link}: an anchor into ${target}, which is not a Markdown page`);
				continue;
			}
			if (!anchors(read(target)).has(anchor)) broken.push(`${link}: no heading #${anchor} in ${target}`);
		}
		expect(broken).toEqual([]);
	});
});

describe('docs/events.md', () => {
	it("lists exactly the run's event types that source/core/types.ts declares", () => {
		const declared = eventTypes('source/core/types.ts', 'RunEventInput');
		expect(declared).toContain('run');
		expect(documentedTypes('Run events')).toEqual(declared);
	});

	it('lists exactly the fleet event types that source/core/fleet-events.ts declares', () => {
		const declared = eventTypes('source/core/fleet-events.ts', 'FleetEventInput');
		expect(declared).toContain('fleet');
		expect(documentedTypes('Fleet events')).toEqual(declared);
	});
});

describe('the anchors this test computes', () => {
	it('follow GitHub: lowercase, punctuation dropped, spaces as -, repeats numbered', () => {
		expect([
			...anchors(
				'# Rehearsal: the demo fleet\n## The AMI (`packer/`)\n## What is journaled\n## What is journaled\n```\n# not a heading\n```\n## A fleet (`npm run bench` → `scripts/bench-fleet.mjs`, 2 cores)\n',
			),
		]).toEqual([
			'rehearsal-the-demo-fleet',
			'the-ami-packer',
			'what-is-journaled',
			'what-is-journaled-1',
			'a-fleet-npm-run-bench--scriptsbench-fleetmjs-2-cores',
		]);
	});
});
