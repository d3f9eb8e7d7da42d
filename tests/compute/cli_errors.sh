#!/bin/sh
# Bad inputs at the command line: each must exit non-zero with a one-line message naming the problem.
# usage: cli_errors.sh path/to/dfview
dfview=$1
failed=0

expect_error() { # description, expected substring, then the command (run with env)
    what=$1 pattern=$2
    shift 2
    out=$("$@" 2>&1)
    rc=$?
    lines=$(printf '%s\n' "$out" | wc -l)
    if [ $rc -ne 0 ] && printf '%s' "$out" | grep -q "$pattern" && [ "$lines" -eq 1 ]; then
        echo "ok   $what: $out"
    else
        echo "FAIL $what: exit $rc, $lines line(s): $out"
        failed=1
    fi
}

expect_error "device index out of range" "device 99 does not exist" env DFVIEW_DEVICE=99 "$dfview" devices
expect_error "device index not a number" "not a device index" env DFVIEW_DEVICE=gpu "$dfview" devices
expect_error "no Vulkan driver (ICD)" "no Vulkan driver" env VK_DRIVER_FILES=/nonexistent VK_ICD_FILENAMES=/nonexistent "$dfview" devices
expect_error "no Vulkan loader" "cannot load the Vulkan loader" env DFVIEW_VULKAN_LIBRARY=/nonexistent/libvulkan.so.1 "$dfview" devices
expect_error "unknown shader family" "DFVIEW_SHADERS=fast" env DFVIEW_SHADERS=fast "$dfview" devices
expect_error "unknown bench op" "no operator 'nosuchop'" "$dfview" bench-ops --op nosuchop
exit $failed
