#!/usr/bin/env bash
# Regenerates the committed PTX of every CUDA C kernel family in this directory:
#   src/main/cuda/<family>.cu  ->  src/main/resources/io/textintel/serving/backend/cuda/ptx/<family>.ptx
# then assembles each PTX for sm_90 with ptxas and prints each kernel's registers, shared memory and spills.
#
#   model-serving/src/main/cuda/build-ptx.sh [output-dir]
#
# The flags are fixed, and nothing machine-specific reaches the PTX (no -lineinfo, no -G, relative
# includes), so the same nvcc release regenerates the same bytes; PtxSourcesTest checks that.
# NVCC and PTXAS may name other binaries; both default to those on the PATH.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/../resources/io/textintel/serving/backend/cuda/ptx}"
nvcc="${NVCC:-nvcc}"
ptxas="${PTXAS:-ptxas}"
flags=(-ptx -arch=compute_90 -std=c++17 -O3)

mkdir -p "$out"
cd "$here"
for source in $(ls -- *.cu | LC_ALL=C sort); do
    family="${source%.cu}"
    "$nvcc" "${flags[@]}" -o "$out/$family.ptx" "$source"
    echo "== $family.ptx"
    "$ptxas" -arch=sm_90 -v -o /dev/null "$out/$family.ptx" 2>&1 \
        | sed -n -e "s/^ptxas info *: Compiling entry function '\(.*\)' for 'sm_90'/  \1:/p" \
                 -e 's/^ptxas info *: Used \(.*\)/    used \1/p' \
                 -e 's/^ *\([0-9]* bytes stack frame.*\)/    \1/p'
done
