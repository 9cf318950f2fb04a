import {randomUUID} from 'node:crypto';

export type XmlValue = string | number | boolean | Date | undefined | null | XmlValue[] | {[key: string]: XmlValue};

const escapes: Record<string, string> = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;'};

function escapeXml(text: string): string {
	return text.replace(/[&<>"']/g, character => escapes[character]!);
}

/**
 * Children of an element: objects become child elements, arrays become repeated `itemTag`
 * elements (`member` in awsQuery, `item` in ec2Query), absent values are left out.
 */
function toXml(value: XmlValue, itemTag: string): string {
	if (value === undefined || value === null) {
		return '';
	}

	if (value instanceof Date) {
		return value.toISOString();
	}

	if (Array.isArray(value)) {
		return value.map(item => `<${itemTag}>${toXml(item, itemTag)}</${itemTag}>`).join('');
	}

	if (typeof value === 'object') {
		return Object.entries(value)
			.filter(([, child]) => child !== undefined && child !== null)
			.map(([key, child]) => `<${key}>${toXml(child, itemTag)}</${key}>`)
			.join('');
	}

	return escapeXml(String(value));
}

export type Protocol = 'query' | 'ec2';

export function successXml(protocol: Protocol, namespace: string, action: string, result: XmlValue): string {
	const requestId = randomUUID();
	if (protocol === 'ec2') {
		return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${namespace}"><requestId>${requestId}</requestId>${toXml(result, 'item')}</${action}Response>`;
	}

	return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${namespace}"><${action}Result>${toXml(result, 'member')}</${action}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
}

export function errorXml(protocol: Protocol, namespace: string, code: string, message: string): string {
	const requestId = randomUUID();
	if (protocol === 'ec2') {
		return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;
	}

	return `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${namespace}"><Error><Type>Sender</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}
