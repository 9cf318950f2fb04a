// The third-party notice of the bundle: every package esbuild put into dist/ (from its metafile),
// with its version, its licence and the licence and notice files it ships, word for word.
import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';

const LICENCE_FILE = /^(licen[cs]e|notice|copying)(\.|-|$)/i;

/** Upstream licence texts of packages that publish none in their npm package. */
const UNPUBLISHED_TEXTS = {
	// hashicorp/terraform-cdk's LICENSE: the Mozilla Public License 2.0 (Debian's common-licenses copy).
	'@cdktf/hcl2json': readFileSync(new URL('licences/cdktf-hcl2json.LICENSE', import.meta.url), 'utf8'),
	'yoga-layout': `MIT License

Copyright (c) Meta Platforms, Inc. and affiliates.

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
`,
};

/** The package folders (relative to `root`) that the bundle's inputs come from, innermost node_modules wins. */
function bundledPackageDirs(metafile) {
	const dirs = new Set();
	for (const input of Object.keys(metafile.inputs)) {
		const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
		if (match) dirs.add(match[1]);
	}
	return [...dirs];
}

function licenceOf(manifest) {
	if (typeof manifest.license === 'string') return manifest.license;
	if (manifest.license?.type) return manifest.license.type;
	if (Array.isArray(manifest.licenses)) return manifest.licenses.map(licence => licence.type ?? licence).join(' OR ');
	return 'UNKNOWN';
}

function repositoryOf(manifest) {
	const url = typeof manifest.repository === 'string' ? manifest.repository : manifest.repository?.url;
	return url
		?.replace(/^git\+/, '')
		.replace(/^git@github\.com:/, 'https://github.com/')
		.replace(/\.git$/, '');
}

function readPackage(root, dir) {
	const manifest = JSON.parse(readFileSync(path.join(root, dir, 'package.json'), 'utf8'));
	const files = readdirSync(path.join(root, dir))
		.filter(name => LICENCE_FILE.test(name))
		.sort()
		.map(name => ({name, text: readFileSync(path.join(root, dir, name), 'utf8')}));
	return {name: manifest.name, version: manifest.version, licence: licenceOf(manifest), repository: repositoryOf(manifest), files};
}

const scopeOf = name => (name.startsWith('@') ? name.split('/')[0] : undefined);

/**
 * The packages with their texts. A package that ships no licence file takes the text of a package of
 * its own scope under the same licence (the AWS SDK's packages share one Apache-2.0 text), else its
 * upstream text above; anything else stops the build, so the notice is never silently incomplete.
 */
export function bundledPackages(metafile, root) {
	const packages = bundledPackageDirs(metafile)
		.map(dir => readPackage(root, dir))
		.sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
	for (const pkg of packages) {
		if (pkg.files.length > 0) continue;
		const sibling = packages.find(
			other =>
				other.files.length > 0 &&
				scopeOf(other.name) !== undefined &&
				scopeOf(other.name) === scopeOf(pkg.name) &&
				other.licence === pkg.licence,
		);
		if (sibling) pkg.sameTextAs = sibling;
		else if (UNPUBLISHED_TEXTS[pkg.name])
			pkg.files = [{name: 'LICENSE (upstream; not in the npm package)', text: UNPUBLISHED_TEXTS[pkg.name]}];
		else
			throw new Error(
				`${pkg.name}@${pkg.version} (${pkg.licence}) is bundled but ships no licence file: add its upstream licence text to UNPUBLISHED_TEXTS in scripts/third-party-notices.mjs.`,
			);
	}
	return packages;
}

const fence = text => {
	const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map(match => match[0].length));
	const marks = '`'.repeat(longest + 1);
	return `${marks}text\n${text.trimEnd()}\n${marks}`;
};

export function thirdPartyNotices(metafile, root, product) {
	const packages = bundledPackages(metafile, root);
	const lines = [
		'# Third-party notices',
		'',
		`${product} bundles code from the ${packages.length} packages below into \`dist/\`. Each is listed with its version, its licence and the licence and notice files it ships.`,
		'',
		'| package | version | licence |',
		'| --- | --- | --- |',
		...packages.map(pkg => `| ${pkg.name} | ${pkg.version} | ${pkg.licence} |`),
	];
	for (const pkg of packages) {
		lines.push('', `## ${pkg.name} ${pkg.version}`, '', `Licence: ${pkg.licence}${pkg.repository ? ` · ${pkg.repository}` : ''}`);
		if (pkg.sameTextAs)
			lines.push(
				'',
				`Ships no licence file; its licence text is the one of ${pkg.sameTextAs.name} ${pkg.sameTextAs.version} in this file.`,
			);
		for (const file of pkg.files) lines.push('', `${file.name}:`, '', fence(file.text));
	}
	return `${lines.join('\n')}\n`;
}
