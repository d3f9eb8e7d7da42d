"""Dataset files: numpy loads them with the documented shapes and dtypes, the manifest describes them,
actions are valid one-hot rows with an idle first action, output does not depend on the thread count or
sharding, and bad command lines fail with one clear line."""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

exe = sys.argv[1]
failures = []


def check(cond, message):
    if not cond:
        failures.append(message)
        print('FAIL:', message, file=sys.stderr)


def write(out, *extra, world='maze', episodes=5, frames=9, size=24, seed=40):
    cmd = [exe, '--world', world, '--episodes', str(episodes), '--frames', str(frames), '--size', str(size),
           '--seed', str(seed), '--out', out, *extra]
    return subprocess.run(cmd, capture_output=True, text=True)


def load_all(out):
    manifest = json.load(open(os.path.join(out, 'manifest.json')))
    frames = [np.load(os.path.join(out, s['frames'])) for s in manifest['shards']]
    actions = [np.load(os.path.join(out, s['actions'])) for s in manifest['shards']]
    return manifest, frames, actions


with tempfile.TemporaryDirectory() as tmp:
    one = os.path.join(tmp, 'one', 'nested')
    r = write(one, '--threads', '1')
    check(r.returncode == 0, f'writer failed: {r.stderr}')
    manifest, frames, actions = load_all(one)
    check(manifest['world'] == 'maze' and manifest['size'] == 24 and manifest['frames_per_episode'] == 9,
          f'manifest header wrong: {manifest}')
    check(manifest['action_names'] == ['none', 'forward', 'backward', 'turn_left', 'turn_right', 'strafe_left',
                                       'strafe_right'], 'action names')
    check(manifest['action_kind'] == 'one-hot' and manifest['seed'] == 40, 'action kind / seed')
    check(len(frames) == 1 and frames[0].shape == (5, 9, 24, 24, 3) and frames[0].dtype == np.uint8,
          f'frames shape {[f.shape for f in frames]}')
    check(actions[0].shape == (5, 9, 7) and actions[0].dtype == np.float32, f'actions shape {actions[0].shape}')
    a = actions[0]
    check(np.all(a.sum(-1) == 1) and np.all((a == 0) | (a == 1)), 'actions are not one-hot')
    check(np.all(a[:, 0, 0] == 1), 'first action is not none')
    check(frames[0].std() > 10, 'frames look blank')
    check(not np.array_equal(frames[0][0], frames[0][1]), 'episodes 0 and 1 are identical')

    sharded = os.path.join(tmp, 'sharded')
    r = write(sharded, '--threads', '2', '--shard-episodes', '2')
    check(r.returncode == 0, f'sharded writer failed: {r.stderr}')
    m2, f2, a2 = load_all(sharded)
    check([s['episodes'] for s in m2['shards']] == [2, 2, 1], f'shard sizes {m2["shards"]}')
    check([s['first_seed'] for s in m2['shards']] == [40, 42, 44], 'shard first seeds')
    check(np.array_equal(np.concatenate(f2), frames[0]) and np.array_equal(np.concatenate(a2), actions[0]),
          'threads/sharding changed the data')

    # Episode e is world seed S+e: a run starting at seed 41 reproduces episodes 1.. of the first.
    shifted = os.path.join(tmp, 'shifted')
    write(shifted, seed=41, episodes=2)
    _, f3, _ = load_all(shifted)
    check(np.array_equal(f3[0], frames[0][1:3]), 'episode seeds are not seed + index')

    vox = os.path.join(tmp, 'voxel')
    r = write(vox, world='voxel', episodes=2, frames=6, size=16)
    check(r.returncode == 0, f'voxel writer failed: {r.stderr}')
    mv, fv, av = load_all(vox)
    check(mv['action_kind'] == 'multi-hot' and mv['action_names'] == [
        'forward', 'backward', 'strafe_left', 'strafe_right', 'jump', 'turn_left', 'turn_right', 'look_up',
        'look_down'], f'voxel manifest {mv}')
    check(fv[0].shape == (2, 6, 16, 16, 3) and av[0].shape == (2, 6, 9), f'voxel shapes {fv[0].shape} {av[0].shape}')
    check(np.all(av[0][:, 0] == 0) and np.all((av[0] == 0) | (av[0] == 1)), 'voxel actions not multi-hot / idle first')

    # The stream carries the same episodes, in seed order, whatever the thread count (rounds of 2, 2, 1).
    r = subprocess.run([exe, '--world', 'maze', '--episodes', '5', '--frames', '9', '--size', '24', '--seed', '40',
                        '--out', '-', '--threads', '2', '--quiet'], capture_output=True)
    check(r.returncode == 0, f'stream failed: {r.stderr!r}')
    header, _, payload = r.stdout.partition(b'\n')
    head = json.loads(header)
    check(head['format'] == 'dfview-dataset-stream' and head['action_count'] == 7 and head['seed'] == 40
          and head['action_names'] == manifest['action_names'], f'stream header {head}')
    frame_bytes, action_bytes = 9 * 24 * 24 * 3, 9 * 7 * 4
    check(len(payload) == 5 * (frame_bytes + action_bytes), f'stream payload {len(payload)} bytes')
    for e in range(5):
        at = e * (frame_bytes + action_bytes)
        f = np.frombuffer(payload[at:at + frame_bytes], np.uint8).reshape(9, 24, 24, 3)
        a = np.frombuffer(payload[at + frame_bytes:at + frame_bytes + action_bytes], '<f4').reshape(9, 7)
        check(np.array_equal(f, frames[0][e]) and np.array_equal(a, actions[0][e]), f'stream episode {e} differs')

    # An endless stream ends cleanly when its reader goes away.
    p = subprocess.Popen([exe, '--world', 'maze', '--episodes', '0', '--frames', '4', '--size', '16', '--seed', '1',
                          '--out', '-', '--quiet'], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdout.readline()
    got = p.stdout.read(3 * (4 * 16 * 16 * 3 + 4 * 7 * 4))
    p.stdout.close()
    try:
        rc = p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = 'hung'
    check(len(got) == 3 * (4 * 16 * 16 * 3 + 4 * 7 * 4) and rc == 0, f'endless stream: {len(got)} bytes, rc {rc}')

    for bad in (['--world', 'nowhere'], ['--episodes', '0'], ['--size', 'abc'], ['--bogus', '1']):
        args = {'--world': 'maze', '--episodes': '1', '--frames': '2', '--size': '16', '--seed': '0',
                '--out': os.path.join(tmp, 'bad')}
        if bad[0] in args:
            args[bad[0]] = bad[1]
            argv = [x for kv in args.items() for x in kv]
        else:
            argv = [x for kv in args.items() for x in kv] + bad
        r = subprocess.run([exe, *argv], capture_output=True, text=True)
        check(r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1,
              f'{bad}: rc {r.returncode}, stderr {r.stderr!r}')
    r = subprocess.run([exe, '--world', 'maze', '--episodes', '1', '--frames', '2', '--size', '16', '--seed', '0',
                        '--out', '/proc/forbidden'], capture_output=True, text=True)
    check(r.returncode == 1 and 'dataset:' in r.stderr, f'unwritable out: rc {r.returncode} {r.stderr!r}')

print(f'{len(failures)} failure(s)')
sys.exit(1 if failures else 0)
