// Every workflow the worker registers. Only workflow functions are exported from here: this file
// is the entry point of the workflow bundle.
export { pingWorkflow } from './ping.workflow';
