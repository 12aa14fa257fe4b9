const jestJupyterLab = require('@jupyterlab/testing/lib/jest-config');

module.exports = {
  ...jestJupyterLab(__dirname),
  reporters: ['default'],
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
  testRegex: 'src/__tests__/.*\\.spec\\.tsx?$'
};
