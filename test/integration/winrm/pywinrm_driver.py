"""Drives the WS-Management test server with pywinrm (Debian python3-winrm).

Reads a JSON job on stdin: {url, user, password, transport, ca?, encryption?, steps: [...]}
where a step is {"cmd": "...", "args": [...]} (Session.run_cmd) or
{"cmd": "...", "stdin": "..."} (Protocol calls plus a hand-built Send, which pywinrm 0.3 lacks).
Prints one JSON object: {"results": [{stdout, stderr, status}]} or {"error": type, "message": ...}.
"""
import base64
import json
import sys
import uuid

import winrm
import xmltodict
from winrm.exceptions import InvalidCredentialsError, WinRMError, WinRMTransportError


def send_stdin(protocol, shell_id, command_id, data):
    req = {'env:Envelope': protocol._get_soap_header(
        resource_uri='http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd',
        action='http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send',
        shell_id=shell_id, message_id=uuid.uuid4())}
    stream = req['env:Envelope'].setdefault('env:Body', {}).setdefault('rsp:Send', {}).setdefault('rsp:Stream', {})
    stream['@Name'] = 'stdin'
    stream['@CommandId'] = command_id
    stream['@End'] = 'true'
    stream['#text'] = base64.b64encode(data.encode('utf-8')).decode('ascii')
    protocol.send_message(xmltodict.unparse(req))


def main():
    job = json.load(sys.stdin)
    options = dict(transport=job['transport'], operation_timeout_sec=2, read_timeout_sec=10)
    if job.get('ca'):
        options['ca_trust_path'] = job['ca']
    if job.get('encryption'):
        options['message_encryption'] = job['encryption']
    session = winrm.Session(job['url'], auth=(job['user'], job['password']), **options)
    results = []
    for step in job['steps']:
        if 'stdin' in step:
            p = session.protocol
            shell_id = p.open_shell()
            command_id = p.run_command(shell_id, step['cmd'])
            send_stdin(p, shell_id, command_id, step['stdin'])
            out, err, status = p.get_command_output(shell_id, command_id)
            p.cleanup_command(shell_id, command_id)
            p.close_shell(shell_id)
        else:
            r = session.run_cmd(step['cmd'], step.get('args', []))
            out, err, status = r.std_out, r.std_err, r.status_code
        results.append({'stdout': out.decode('utf-8'), 'stderr': err.decode('utf-8'), 'status': status})
    print(json.dumps({'results': results}))


try:
    main()
except InvalidCredentialsError as e:
    print(json.dumps({'error': 'InvalidCredentialsError', 'message': str(e)}))
except (WinRMError, WinRMTransportError) as e:
    print(json.dumps({'error': type(e).__name__, 'message': str(e)}))
