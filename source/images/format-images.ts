import {alignedTable} from '../core/aligned-table';
import {isInUse, type ImageRow, type ImageUse} from './image-usage';

function counted(items: string[], one: string, many: string): string[] {
	if (items.length === 0) return [];
	return [items.length === 1 ? `${one} ${items[0]}` : `${items.length} ${many}`];
}

/** Where an image is used, in a few words: `stack convox-dev, 3 instances`, or `unused`. */
function useSummary(use: ImageUse): string {
	if (!isInUse(use)) return 'unused';
	return [
		...counted(use.stacks, 'stack', 'stacks'),
		...counted(
			use.rollbackOf.map(target => target.rack),
			'rollback of',
			'rollback targets',
		),
		...counted(
			use.launchTemplates.map(template => template.name || template.id),
			'launch template',
			'launch templates',
		),
		...counted(use.launchConfigurations, 'launch configuration', 'launch configurations'),
		...counted(use.instances, 'instance', 'instances'),
	].join(', ');
}

/** A fleet's racks often share an account: `prod-us-1 +4` keeps the column narrow (`--json` names them all). */
export function shortAccount(account: string): string {
	const [first = '', ...others] = account.split(',');
	return others.length > 0 ? `${first} +${others.length}` : first;
}

const COLUMNS: Array<[title: string, cell: (row: ImageRow) => string]> = [
	['IMAGE', row => row.imageId],
	['REGION', row => row.region],
	['ACCOUNT', row => shortAccount(row.account)],
	['NAME', row => row.name],
	['AGE', row => (row.ageDays === null ? '' : `${row.ageDays}d`)],
	['CONVOX', row => row.convoxVersion],
	['BASE', row => row.sourceAmi],
	['RUN', row => row.runId],
	['LAST LAUNCHED', row => row.lastLaunchedAt?.slice(0, 10) ?? ''],
	['IN USE', row => useSummary(row.usedBy)],
];

/** The headings and, per image, its cells (empty ones show `-`) and whether it is in use: for the plain and the Ink table. */
export function imagesTableCells(rows: ImageRow[]): {headings: string[]; rows: Array<{cells: string[]; inUse: boolean}>} {
	return {
		headings: COLUMNS.map(([title]) => title),
		rows: rows.map(row => ({cells: COLUMNS.map(([, cell]) => cell(row) || '-'), inUse: isInUse(row.usedBy)})),
	};
}

/** A plain table, one line per image. */
export function formatImagesTable(rows: ImageRow[]): string {
	const table = imagesTableCells(rows);
	return alignedTable([table.headings, ...table.rows.map(row => row.cells)]);
}
