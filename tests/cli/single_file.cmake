# pictor-cli on single-file (original LDM layout) checkpoints: generate, inspect, bad files.
# Included from tests/cli/CMakeLists.txt (fx, cli set there).
set(sf ${fx}/single-file)
set(sf_out ${CMAKE_CURRENT_BINARY_DIR}/cli-single-file)
pictor_cli_test("cli: generate from a single .safetensors file" EXIT 0 NEEDS ${sf}/sd-tiny.safetensors
    COMMAND sh -c "rm -rf ${sf_out} && ${cli} generate --model ${sf}/sd-tiny.safetensors --config ${sf}/configs \
        --prompt 'a fox' --steps 2 --images 1 --seed 7 --width 64 --height 64 --out ${sf_out} --json"
    REGEX "note: tokenizer: .*00000-7.png.*\"model\": \"${sf}/sd-tiny.safetensors\",[ \n]*\"model_hash\": \"[0-9a-f]{8}\"")
pictor_cli_test("cli: generate from a .ckpt with --ema" EXIT 0 NEEDS ${sf}/sd-tiny.ckpt
    COMMAND sh -c "rm -rf ${sf_out}-ckpt && ${cli} generate --model ${sf}/sd-tiny.ckpt --config ${sf}/configs --ema \
        --prompt 'a fox' --steps 1 --images 1 --seed 7 --width 32 --height 32 --out ${sf_out}-ckpt"
    REGEX "note: --ema: the file holds no EMA weights.*00000-7.png")
pictor_cli_test("cli: inspect a single file names the architecture" EXIT 0 NEEDS ${sf}/sd-tiny.ckpt
    COMMAND ${cli} inspect ${sf}/sd-tiny.ckpt
    REGEX "pytorch, 980 tensors.*architecture: custom .epsilon, 64x64., config: sidecar .*sd-tiny.yaml\n.*default: UNet norm_num_groups: an LDM yaml has no group count, 32 taken")
pictor_cli_test("cli: generate from a single file with a missing UNet key" EXIT 1 NEEDS ${sf}/sd-tiny.safetensors
    COMMAND sh -c "mkdir -p ${sf_out}-bad && ${PICTOR_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/drop_tensor.py ${sf}/sd-tiny.safetensors \
        ${sf_out}-bad/broken.safetensors model.diffusion_model.out.2.weight && ${cli} generate --model ${sf_out}-bad/broken.safetensors \
        --config ${sf}/configs --prompt x --steps 1 --width 32 --height 32 --out ${sf_out}-bad"
    REGEX "error: .*broken.safetensors.*UNet.*missing from the checkpoint.*conv_out.weight")
pictor_cli_test("cli: --config on a diffusers folder is a usage error" EXIT 2 NEEDS ${fx}/sd-tiny/model_index.json
    COMMAND ${cli} generate --model ${fx}/sd-tiny --config ${sf}/sd-tiny.yaml --prompt x
    REGEX "--config applies to a single checkpoint file")
