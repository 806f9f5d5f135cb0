# bash completion for containarium(1)
#
# Installed by `make install` as
# $(PREFIX)/share/bash-completion/completions/containarium.
# Completes commands, subcommands and flags, and USER arguments with the
# usernames of the server's containers (asked with the hidden command
# `containarium __complete-containers`, which has a 3 s deadline and is
# silent on failure). The server is taken from the line being completed
# (--server ADDR, `remote CMD HOST:PORT`), else $CONTAINARIUM_SERVER or
# the local socket.

_containarium_commands="create list info delete start stop ssh-key metrics system-info
login logout user ssh-config list-all help version remote"
_containarium_global_flags="--server --output --timeout --ca --cert --key --insecure --help"

# Prints the flags of command $1.
_containarium_flags()
{
    case $1 in
        create) echo "--image --cpu --memory --disk --docker --no-docker --ssh-key --label" ;;
        list) echo "--state --user --label" ;;
        delete) echo "--force" ;;
        stop) echo "--force --timeout" ;;
        login) echo "--password-stdin" ;;
        user) echo "--role --generate-api-key --password-stdin" ;;
        ssh-config) echo "--jump-user --user" ;;
        list-all) echo "--servers --servers-file --state --user --label" ;;
    esac
}

# Prints the usernames of the server's containers; $@ are the options
# (--server/TLS) to pass on.
_containarium_users()
{
    "${COMP_WORDS[0]}" "$@" __complete-containers 2>/dev/null
}

_containarium()
{
    local cur prev cmd="" remote=0 server_opts=() i word positional=0
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}

    # Find the command, the server options and how many positional words
    # precede the cursor.
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${COMP_WORDS[i]}
        case $word in
            --server|-s|--ca|--cert|--key)
                server_opts+=("$word" "${COMP_WORDS[i+1]}"); ((i++)); continue ;;
            --insecure) server_opts+=("$word"); continue ;;
            --output|-o|--timeout|--image|--cpu|--memory|--disk|--ssh-key|--label|--state|\
            --user|--servers|--servers-file|--jump-user|--role)
                ((i++)); continue ;;
            -*) continue ;;
        esac
        if [[ -z $cmd && $word == remote ]]; then
            remote=1
        elif [[ -z $cmd ]]; then
            cmd=$word
        elif ((remote == 1)); then
            server_opts+=(--server "$word"); remote=2
        else
            ((positional++))
        fi
    done

    case $prev in
        --output|-o) COMPREPLY=($(compgen -W "table json" -- "$cur")); return ;;
        --state) COMPREPLY=($(compgen -W "running stopped frozen creating error" -- "$cur")); return ;;
        --role) COMPREPLY=($(compgen -W "admin user viewer" -- "$cur")); return ;;
        --ssh-key|--servers-file|--ca|--cert|--key) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --server|-s|--timeout|--image|--cpu|--memory|--disk|--label|--servers|--jump-user) return ;;
    esac

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$_containarium_global_flags $(_containarium_flags "$cmd")" -- "$cur"))
        return
    fi
    if [[ -z $cmd ]]; then
        COMPREPLY=($(compgen -W "$_containarium_commands" -- "$cur"))
        return
    fi
    if ((remote == 1)); then
        return          # HOST:PORT: nothing to offer
    fi
    case $cmd in
        help) ((positional == 0)) && COMPREPLY=($(compgen -W "$_containarium_commands" -- "$cur")) ;;
        info|delete|start|stop|metrics)
            ((positional == 0)) && COMPREPLY=($(compgen -W "$(_containarium_users "${server_opts[@]}")" -- "$cur")) ;;
        ssh-key)
            case $positional in
                0) COMPREPLY=($(compgen -W "add remove" -- "$cur")) ;;
                1) COMPREPLY=($(compgen -W "$(_containarium_users "${server_opts[@]}")" -- "$cur")) ;;
                2) COMPREPLY=($(compgen -f -- "$cur")) ;;
            esac ;;
        user) ((positional == 0)) && COMPREPLY=($(compgen -W "add remove list passwd" -- "$cur")) ;;
    esac
}

complete -F _containarium containarium
