#!/usr/bin/env node
'use strict';
// Thin launcher: the CLI is compiled from cli/src to dist/cli/src.
require('../dist/cli/src/main.js').main(process.argv);
