#!/bin/bash
# vfstudio device check (one run on a GPU machine lent through the `device` tool): model-only
# build against that machine's LibTorch (PyTorch's bundled CMake config, CUDA), the official
# fixtures recomputed on the GPU (bench_model --check), then bench_model in fp32 / fp16 / bf16.
# Before the run, here: mkdir -p .gpu/fixtures (.gpu listed in .git/info/exclude), copy
# ../shared/videofusion/fixtures/{vf16,vf32}_weights.pth and vf16_t5, vf16_t2, vf32_t3 _io.pt
# into it, and copy this script to .gpu/run.sh; then device run "bash .gpu/run.sh", carry
# [".gpu"]. Writes $OUT/log.txt (and the build log when the build fails).
set -u
main() {
  date -u
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
  python3 -c 'import torch;print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0))'
  TP=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
  NVCC=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
  export TORCH_CUDA_ARCH_LIST=9.0
  g++ --version | head -1; cmake --version | head -1
  t0=$(date +%s)
  if ! cmake -S . -B /tmp/bg -G Ninja -DVF_MODEL_ONLY=ON -DCMAKE_BUILD_TYPE=Release \
       -DCMAKE_PREFIX_PATH="$TP" -DCMAKE_CUDA_COMPILER="$NVCC" > /tmp/cfg.log 2>&1; then
    tail -60 /tmp/cfg.log; cp /tmp/cfg.log "$OUT/"; return 1
  fi
  ninja -C /tmp/bg -k 0 -j 16 bench_model > /tmp/build.log 2>&1; rc=$?
  echo "build rc $rc after $(( $(date +%s) - t0 )) s"
  if [ $rc -ne 0 ]; then
    grep -E "error|FAILED" /tmp/build.log | head -60; cp /tmp/build.log "$OUT/"; return 1
  fi
  B=/tmp/bg/bench/model/bench_model
  timeout 240 $B --check .gpu/fixtures --cuda 1 --cpu 0 --naive 0 --T 7 \
      --sizes 320x240,640x480,1280x720 --reps 3 --stream 0
  echo "bench rc $?"
  date -u
}
main 2>&1 | tee "$OUT/log.txt"
