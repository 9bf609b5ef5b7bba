import { startCapturingEmails } from './emails';

startCapturingEmails();
