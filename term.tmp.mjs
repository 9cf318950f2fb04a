import pty from '@lydell/node-pty';
import {mkdtempSync, writeFileSync, readFileSync} from 'node:fs';
import os from 'node:os'; import path from 'node:path';
const folder = mkdtempSync(path.join(os.tmpdir(), 'sc-term-'));
writeFileSync(path.join(folder, 'convox-ami.config.json'), JSON.stringify({accounts: {dev: {accountId: '111111111111', stackName: 'convox-dev'}}}));
const env = {PATH: process.env.PATH, HOME: folder, LANG: 'C.UTF-8', TERM: 'xterm-256color', CI: 'false', CONVOX_AMI_REHEARSAL_BUILD_SECONDS: '20', CONVOX_AMI_REHEARSAL_TICK_MS: '500', ...JSON.parse(process.env.EXTRA_ENV ?? '{}')};
const piped = process.argv.includes('--pipe');
const args = ['-f', '%U %S %M %e', '-o', path.join(folder, 't.txt'), process.execPath, '/work/wt/screen-cost/dist/cli.js', 'release', '--env', 'dev', '--rehearse', '--yes', '--confirm', 'sumologic', '--state-dir', path.join(folder, 'state')];
let frames = 0, bytes = 0;
const done = code => { const [u, s, m, e] = readFileSync(path.join(folder, 't.txt'), 'utf8').trim().split('\n').at(-1).split(' ').map(Number); console.log(piped ? 'pipe' : 'pty', 'exit', code, 'cpu', (u + s).toFixed(2), 'rss', (m / 1024).toFixed(0), 'wall', e, 'frames', frames, 'bytes', bytes); };
if (piped) { const {spawn} = await import('node:child_process'); const c = spawn('/usr/bin/time', args, {cwd: folder, env, stdio: ['ignore', 'pipe', 'pipe']}); c.stdout.on('data', d => bytes += d.length); c.stderr.on('data', d => bytes += d.length); c.on('close', done); }
else { const child = pty.spawn('/usr/bin/time', args, {cols: 100, rows: 40, cwd: folder, env}); child.onData(d => { bytes += d.length; frames += d.split('\u001b[?2026h').length - 1; }); child.onExit(({exitCode}) => done(exitCode)); }
