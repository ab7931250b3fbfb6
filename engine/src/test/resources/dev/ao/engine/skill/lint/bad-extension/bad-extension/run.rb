puts "x"
