//! ATT&CK tactic names for the tactic ids signatures use (threat.tactic.name beside .id).
export const ATTACK_TACTICS: Readonly<Record<string, string>> = {
  TA0043: 'Reconnaissance',
  TA0007: 'Discovery',
  TA0006: 'Credential Access',
  TA0001: 'Initial Access',
  TA0003: 'Persistence',
  TA0040: 'Impact',
  TA0005: 'Defense Evasion',
  TA0009: 'Collection',
  TA0004: 'Privilege Escalation',
  TA0011: 'Command and Control',
  TA0010: 'Exfiltration',
  TA0002: 'Execution',
  TA0008: 'Lateral Movement',
  TA0042: 'Resource Development',
};
