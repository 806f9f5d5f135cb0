set terminal pngcairo size 1000,600 noenhanced
set output "bench/results.png"
set title "Containarium vs its references (lower is better)"
set xlabel "containers in the project"
set ylabel "latency, ms (log)"
set logscale y
set key below
set grid
set xtics (10, 50, 200)
plot "bench/results.dat" using 1:2 with linespoints title "List (daemon)", "bench/results.dat" using 1:3 with linespoints title "List (Incus recursion=2)", "bench/results.dat" using 1:4 with linespoints title "Get (daemon)", "bench/results.dat" using 1:5 with linespoints title "Get (Incus recursion=1)", "bench/results.dat" using 1:6 with linespoints title "GetSystemInfo p50 at 16 streams (daemon)", "bench/results.dat" using 1:7 with linespoints title "GetSystemInfo p50 at 16 streams (bare grpc-core)"
