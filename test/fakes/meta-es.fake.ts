/** Moved to src/simulator/official/ (the local stack's simulators run on it); kept here for the tests. */
export * from '../../src/simulator/official/meta/meta-es.fake';
