import {readdirSync, readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';

const CORE = new URL('../../source/core/', import.meta.url);

/** Each module of core/ and the modules of core/ it imports, type-only imports included. */
function coreImports(): Map<string, string[]> {
	const graph = new Map<string, string[]>();
	for (const file of readdirSync(CORE).filter(name => name.endsWith('.ts'))) {
		const text = readFileSync(new URL(file, CORE), 'utf8');
		const imported = [...text.matchAll(/from '\.\/([\w-]+)'/g)].map(match => `${match[1]}.ts`);
		graph.set(file, imported);
	}
	return graph;
}

/** The first circle found, as the path that closes it, or undefined. */
function firstCircle(graph: Map<string, string[]>): string[] | undefined {
	const done = new Set<string>();
	const visit = (file: string, path: string[]): string[] | undefined => {
		if (path.includes(file)) return [...path.slice(path.indexOf(file)), file];
		if (done.has(file)) return undefined;
		for (const next of graph.get(file) ?? []) {
			const circle = visit(next, [...path, file]);
			if (circle) return circle;
		}
		done.add(file);
		return undefined;
	};
	for (const file of graph.keys()) {
		const circle = visit(file, []);
		if (circle) return circle;
	}
	return undefined;
}

describe('core/ imports one way, type-only imports included (import-x/no-cycle leaves those out)', () => {
	it('has no circle', () => {
		const graph = coreImports();
		expect(graph.get('secrets.ts')).toContain('prompter.ts');
		expect(firstCircle(graph)).toBeUndefined();
	});

	it('would name a circle such as the former secrets.ts ↔ step.ts', () => {
		const graph = coreImports();
		graph.set('secrets.ts', [...graph.get('secrets.ts')!, 'step.ts']);
		const circle = firstCircle(graph)!;
		expect(circle).toEqual(expect.arrayContaining(['secrets.ts', 'step.ts']));
		expect(circle[0]).toBe(circle.at(-1));
	});
});
