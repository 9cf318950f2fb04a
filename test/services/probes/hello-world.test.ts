import {describe, expect, it} from 'vitest';
import {parseEndpoints} from '../../../source/services/probes/hello-world';

const appsInfo = `Name       hello-world
Status     running
Release    RBCDEFGHIJ
Processes  web
Endpoints  hello-world-web-1ABCDEF-123456789.us-east-1.elb.amazonaws.com:80 (web)
           hello-world-web-1ABCDEF-123456789.us-east-1.elb.amazonaws.com:443 (web)
`;

describe('parseEndpoints', () => {
	it('reads the load balancer endpoints of `convox apps info`', () => {
		expect(parseEndpoints(appsInfo)).toEqual([
			'http://hello-world-web-1ABCDEF-123456789.us-east-1.elb.amazonaws.com/',
			'https://hello-world-web-1ABCDEF-123456789.us-east-1.elb.amazonaws.com/',
		]);
	});

	it('keeps an unusual port and finds nothing without endpoints', () => {
		expect(parseEndpoints('Endpoints  internal.example.com:3000 (web)\nName x')).toEqual(['http://internal.example.com:3000/']);
		expect(parseEndpoints('Name  hello-world\nStatus  running\n')).toEqual([]);
	});
});
