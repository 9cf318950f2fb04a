import {setFlagsFromString} from 'node:v8';

/** V8's own budget (Node 20), in bytecodes executed, before it considers optimizing a function. */
const V8_INTERRUPT_BUDGET = 67_584;

/**
 * The screen's code (React's reconciler, Ink, yoga's bindings) runs about once a second while AWS
 * works. V8 compiled it with TurboFan after a few dozen frames, and some of it again after a
 * deoptimization: that compiling cost more CPU than the optimized code saved (about half of the
 * screen's CPU per frame in a 45 s release). With eight times V8's budget, code that runs once a
 * frame stays in its baseline tiers; a hot loop (a Packer flood through the parser and the
 * scrubber) still reaches TurboFan after a few hundred lines. Set before Ink loads, for the whole
 * process: the screen's process is one that mostly waits.
 */
export function tierUpLater(): void {
	setFlagsFromString(`--interrupt-budget=${8 * V8_INTERRUPT_BUDGET}`);
}
